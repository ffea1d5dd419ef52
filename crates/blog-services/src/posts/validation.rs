//! What a client may write: every field checked, every problem reported at
//! once (a 422 names each invalid field).

use std::collections::BTreeMap;

use blog_repositories::post::write::PostFields;
use blog_repositories::{DbPool, category};

use crate::ServiceError;

/// The longest search query accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;
/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The largest post content, in bytes.
pub const MAX_CONTENT_BYTES: usize = 100 * 1024;
/// The largest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;
/// Tags per post.
pub const MAX_TAGS: usize = 10;
/// Characters per tag name.
pub const MAX_TAG_CHARS: usize = 50;

/// Why a text cannot be stored: PostgreSQL refuses NUL in `text` columns.
const NUL: &str = "must not contain NUL characters";

/// A filter value from a query string (`tag`, `q`): 400 if it holds a NUL or
/// is longer than `max_chars` (no stored value is longer, and every distinct
/// value would be one more cache entry).
pub fn filter_text<'a>(
    name: &str,
    value: &'a str,
    max_chars: usize,
) -> Result<&'a str, ServiceError> {
    if value.contains('\0') {
        return Err(ServiceError::BadRequest(format!("{name} {NUL}")));
    }
    if value.chars().count() > max_chars {
        return Err(ServiceError::BadRequest(format!(
            "{name} is longer than {max_chars} characters"
        )));
    }
    Ok(value)
}

/// A post as a client writes it; every field is checked by the service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostInput {
    /// 1 to 200 characters after trimming.
    pub title: Option<String>,
    /// Not blank, at most 100 KB.
    pub content: Option<String>,
    /// An existing category.
    pub category_id: Option<i64>,
    /// Tag names; unknown ones are created. Omitted on update: tags unchanged.
    pub tags: Option<Vec<String>>,
}

/// A [`PostInput`] that passed validation.
pub(super) struct ValidPost {
    /// The columns to write.
    pub(super) fields: PostFields,
    /// The tag names, trimmed, sorted and unique; `None` leaves them unchanged.
    pub(super) tags: Option<Vec<String>>,
}

/// Checks every field of `input`, reporting all problems at once (422).
pub(super) async fn validate_post(
    db: &DbPool,
    input: &PostInput,
) -> Result<ValidPost, ServiceError> {
    let mut problems: BTreeMap<&'static str, String> = BTreeMap::new();
    let title = input.title.as_deref().map(str::trim).unwrap_or_default();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        problems.insert(
            "title",
            format!("must be 1 to {MAX_TITLE_CHARS} characters"),
        );
    } else if title.contains('\0') {
        problems.insert("title", NUL.into());
    }
    let content = input.content.as_deref().unwrap_or_default();
    if content.contains('\0') {
        problems.insert("content", NUL.into());
    } else if content.trim().is_empty() {
        problems.insert("content", "must not be empty".into());
    } else if content.len() > MAX_CONTENT_BYTES {
        problems.insert(
            "content",
            format!("must be at most {} KB", MAX_CONTENT_BYTES / 1024),
        );
    }
    let category_id = match input.category_id.map(i32::try_from) {
        None => {
            problems.insert("category_id", "is required".into());
            0
        }
        Some(Ok(id)) if category::exists(db, id).await? => id,
        Some(_) => {
            problems.insert("category_id", "no category has this id".into());
            0
        }
    };
    let tags = input.tags.as_deref().map(|names| {
        let (clean, problem) = clean_tags(names);
        if let Some(problem) = problem {
            problems.insert("tags", problem);
        }
        clean
    });
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    Ok(ValidPost {
        fields: PostFields {
            category_id,
            title: title.to_owned(),
            description: None,
            word_count: content
                .split_whitespace()
                .count()
                .try_into()
                .unwrap_or(i32::MAX),
            content: content.to_owned(),
        },
        tags,
    })
}

/// Tag names trimmed, sorted and unique, and what is wrong with them, if anything.
fn clean_tags(names: &[String]) -> (Vec<String>, Option<String>) {
    let mut clean: Vec<String> = names.iter().map(|n| n.trim().to_owned()).collect();
    clean.sort();
    clean.dedup();
    let problem = if names.len() > MAX_TAGS {
        Some(format!("at most {MAX_TAGS} tags"))
    } else if clean.iter().any(|n| n.contains('\0')) {
        Some(format!("each tag {NUL}"))
    } else if clean
        .iter()
        .any(|n| n.is_empty() || n.chars().count() > MAX_TAG_CHARS)
    {
        Some(format!("each tag must be 1 to {MAX_TAG_CHARS} characters"))
    } else {
        None
    };
    (clean, problem)
}

/// A comment's content, trimmed; 422 if empty or too long.
pub(super) fn validate_comment(content: Option<&str>) -> Result<&str, ServiceError> {
    let content = content.map(str::trim).unwrap_or_default();
    let problem = if content.contains('\0') {
        NUL.to_owned()
    } else if content.is_empty() {
        "must not be empty".to_owned()
    } else if content.chars().count() > MAX_COMMENT_CHARS {
        format!("must be at most {MAX_COMMENT_CHARS} characters")
    } else {
        return Ok(content);
    };
    Err(ServiceError::Invalid(BTreeMap::from([(
        "content", problem,
    )])))
}
