//! Page numbers and pages.

use serde::{Deserialize, Serialize};

use crate::ServiceError;

/// Posts per page on every list (list, search, JSON).
pub const PAGE_SIZE: u64 = 20;

/// No list has this many pages (20 million posts): larger numbers are 404
/// without a query, and offsets stay far from integer overflow.
pub const MAX_PAGE: u64 = 1_000_000;

/// A validated 1-based page number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageNumber(u64);

impl PageNumber {
    /// The first page.
    pub const FIRST: PageNumber = PageNumber(1);

    /// Accepts 1 and up (400 otherwise); past [`MAX_PAGE`] no page exists (404).
    pub fn new(page: u64) -> Result<PageNumber, ServiceError> {
        match page {
            0 => Err(ServiceError::BadRequest(
                "page must be a whole number of at least 1".into(),
            )),
            p if p > MAX_PAGE => Err(ServiceError::NotFound(format!("page {p} does not exist"))),
            p => Ok(PageNumber(p)),
        }
    }

    /// Parses the `page` query parameter; absent means page 1.
    pub fn parse(raw: Option<&str>) -> Result<PageNumber, ServiceError> {
        let text = match raw.map(str::trim) {
            None | Some("") => return Ok(PageNumber::FIRST),
            Some(text) => text,
        };
        if text.bytes().all(|b| b.is_ascii_digit()) {
            // All digits: a page number, perhaps one too large for any integer type.
            return PageNumber::new(text.parse::<u64>().unwrap_or(u64::MAX));
        }
        Err(ServiceError::BadRequest(format!(
            "page must be a whole number of at least 1, not {text:?}"
        )))
    }

    /// The number itself.
    pub fn get(self) -> u64 {
        self.0
    }

    /// Rows to skip before this page.
    pub fn offset(self) -> u64 {
        (self.0 - 1) * PAGE_SIZE
    }
}

/// One page of a counted list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// 1-based.
    pub page: u64,
    /// How many pages there are (at least 1, even for an empty list).
    pub pages: u64,
    /// How many items there are on all pages together.
    pub count: u64,
}

impl<T> Page<T> {
    /// How many pages `count` items fill.
    pub fn pages_for(count: u64) -> u64 {
        count.div_ceil(PAGE_SIZE).max(1)
    }

    /// Whether a next page exists.
    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_start_at_one() {
        assert_eq!(PageNumber::parse(None).unwrap().get(), 1);
        assert_eq!(PageNumber::parse(Some("3")).unwrap().offset(), 40);
        assert!(PageNumber::parse(Some("0")).is_err());
        assert!(PageNumber::parse(Some("-2")).is_err());
        assert!(matches!(
            PageNumber::parse(Some("two")),
            Err(ServiceError::BadRequest(_))
        ));
        assert!(matches!(
            PageNumber::parse(Some("1.5")),
            Err(ServiceError::BadRequest(_))
        ));
        assert!(matches!(
            PageNumber::parse(Some("-2")),
            Err(ServiceError::BadRequest(_))
        ));
        assert_eq!(PageNumber::parse(Some("1000000")).unwrap().get(), MAX_PAGE);
        assert!(matches!(
            PageNumber::parse(Some("1000001")),
            Err(ServiceError::NotFound(_))
        ));
        assert!(matches!(
            PageNumber::parse(Some("99999999999999999999")),
            Err(ServiceError::NotFound(_))
        ));
    }

    #[test]
    fn page_count_rounds_up_and_is_never_zero() {
        assert_eq!(Page::<()>::pages_for(0), 1);
        assert_eq!(Page::<()>::pages_for(20), 1);
        assert_eq!(Page::<()>::pages_for(21), 2);
    }
}
