//! HTTP handlers: parse the request, call one service, render. No SQL here.

pub mod api;
pub mod auth;
pub mod dashboard;
pub mod health;
pub mod monitoring;
pub mod pages;
pub mod sign_in;

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use blog_services::idempotency::IdempotencyKey;
use blog_services::pagination::{MAX_PAGE, PageNumber};
use blog_services::posts::ListRequest;
use blog_services::posts::validation::{MAX_SEARCH_CHARS, MAX_TAG_CHARS};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::views::PageLinks;
use crate::wire::{WHITESPACE, trimmed_text};

/// The query string of the post lists (`/blog/`, `/api/posts/`). Values arrive
/// as text so that a bad one gets a message naming it; a blank one (what a form
/// sends for an unset field) counts as absent.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// 1-based page number (20 posts a page), or blank for the first; past
    /// the last page, 404.
    #[param(schema_with = page_schema)]
    pub page: Option<String>,
    /// Only this category's posts: an existing category's id (the dataset's
    /// are 1 to 5; another number is 400), or blank for every category.
    #[param(schema_with = category_schema)]
    pub category: Option<String>,
    /// Only posts with this tag: at most 50 characters once surrounding
    /// whitespace is trimmed, no NUL; blank means no filter.
    #[param(schema_with = tag_schema)]
    pub tag: Option<String>,
}

/// A whole number in `minimum..=maximum`, or a blank value. (With
/// `schema_with`, a parameter's description is its schema's.)
fn number_or_blank(
    minimum: u64,
    maximum: u64,
    description: &str,
    blank: &str,
) -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(minimum as f64))
                .maximum(Some(maximum as f64)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!("^[{WHITESPACE}]*$")))
                .description(Some(blank)),
        )
        .description(Some(description))
        .build()
        .into()
}

/// `page`: 1 to [`MAX_PAGE`], or blank.
fn page_schema() -> utoipa::openapi::Schema {
    number_or_blank(
        1,
        MAX_PAGE,
        "1-based page number (20 posts a page), or blank for the first; past the last \
         page, 404.",
        "blank: the first page",
    )
}

/// `tag`: a tag name, or blank.
fn tag_schema() -> utoipa::openapi::Object {
    trimmed_text(
        MAX_TAG_CHARS,
        true,
        "Only posts with this tag: at most 50 characters once surrounding whitespace is \
         trimmed, no NUL; blank means no filter.",
    )
}

/// `q`: the search words, or blank.
fn query_schema() -> utoipa::openapi::Object {
    trimmed_text(
        MAX_SEARCH_CHARS,
        true,
        "The words to look for: at most 200 characters once surrounding whitespace is \
         trimmed, no NUL; blank finds nothing.",
    )
}

/// `category`: 1 to 5 (the dataset's categories), or blank.
fn category_schema() -> utoipa::openapi::Schema {
    number_or_blank(
        1,
        5,
        "Only this category's posts: an existing category's id (the dataset's are 1 to \
         5; another number is 400), or blank for every category.",
        "blank: every category",
    )
}

impl ListParams {
    /// Validates the parameters into a service request.
    pub fn to_request(&self) -> Result<ListRequest, AppError> {
        let category_id = match non_empty(&self.category) {
            None => None,
            Some(text) => Some(text.parse::<i32>().map_err(|_| {
                AppError::BadRequest(format!("category must be a category id, not {text:?}"))
            })?),
        };
        Ok(ListRequest {
            page: PageNumber::parse(self.page.as_deref())?,
            category_id,
            tag: non_empty(&self.tag).map(str::to_owned),
        })
    }
}

/// The query string of `/search/`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The words to look for: at most 200 characters once surrounding
    /// whitespace is trimmed, no NUL; blank finds nothing.
    #[param(schema_with = query_schema)]
    pub q: Option<String>,
    /// 1-based page number, or blank for the first.
    #[param(schema_with = page_schema)]
    pub page: Option<String>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A post id from the path; anything but a positive number is no post at all.
pub fn parse_post_id(raw: &str) -> Result<i32, AppError> {
    parse_id("post", raw)
}

/// An id of a `kind` of thing from the path: 404 unless a positive number.
pub fn parse_id(kind: &str, raw: &str) -> Result<i32, AppError> {
    // Canonical digits only: `05` and `+5` are not another address of post 5.
    let canonical = raw.starts_with(|c: char| ('1'..='9').contains(&c))
        && raw.bytes().all(|b| b.is_ascii_digit());
    canonical
        .then(|| raw.parse::<i32>().ok())
        .flatten()
        .ok_or_else(|| AppError::NotFound(format!("{kind} {raw:?} does not exist")))
}

/// `path?query` for `params` without the empty ones.
fn url_with(path: &str, params: &[(&str, Option<String>)]) -> String {
    let present: Vec<(&str, &str)> = params
        .iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (*k, v)))
        .collect();
    match serde_urlencoded::to_string(&present) {
        Ok(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    }
}

/// Previous/next links for a list page; `pages` is `None` when not counted.
fn page_links(
    path: &str,
    page: u64,
    pages: Option<u64>,
    has_next: bool,
    filters: &[(&str, Option<String>)],
) -> PageLinks {
    let link = |n: u64| {
        let mut params = vec![("page", (n > 1).then(|| n.to_string()))];
        params.extend(filters.iter().cloned());
        url_with(path, &params)
    };
    PageLinks {
        previous_url: (page > 1).then(|| link(page - 1)),
        next_url: has_next.then(|| link(page + 1)),
        position: match pages {
            Some(pages) => format!("Page {page} of {pages}"),
            None => format!("Page {page}"),
        },
    }
}

/// The request's media type, lowercased, without parameters.
fn media_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The body, read only now (a handler calls this after authenticating, so an
/// unauthenticated request never has its body buffered): 413 past `limit`,
/// said by `Content-Length` or found while reading.
pub async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(AppError::PayloadTooLarge(limit));
    }
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(err)) => Err(AppError::BadRequest(format!(
            "the body could not be read: {err}"
        ))),
        Err(_) => Err(AppError::PayloadTooLarge(limit)),
    }
}

/// The request's `Idempotency-Key`, fingerprinted with its path and body;
/// 400 if it is sent twice or is not visible ASCII.
pub fn idempotency_key(req: &HttpRequest, body: &[u8]) -> Result<Option<IdempotencyKey>, AppError> {
    let mut values = req.headers().get_all("idempotency-key");
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let bad = || AppError::BadRequest("send one Idempotency-Key of visible ASCII".into());
    if values.next().is_some() {
        return Err(bad());
    }
    let text = value.to_str().map_err(|_| bad())?;
    Ok(Some(IdempotencyKey::new(
        text,
        &[req.path().as_bytes(), body],
    )?))
}

/// A JSON body: 415 if not JSON, 400 if malformed.
pub fn json_body<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, AppError> {
    let media = media_type(req);
    if media != "application/json" && !media.ends_with("+json") {
        return Err(AppError::UnsupportedMediaType(
            "the body must be JSON (Content-Type: application/json)".into(),
        ));
    }
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(AppError::BadRequest(
            "the body must be a JSON object".into(),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("malformed JSON body: {e}")))
}

/// A JSON or form body (`/auth/login/` takes both): 415 otherwise.
pub fn json_or_form_body<T: DeserializeOwned>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, AppError> {
    if media_type(req) == "application/x-www-form-urlencoded" {
        return serde_urlencoded::from_bytes(body)
            .map_err(|e| AppError::BadRequest(format!("malformed form body: {e}")));
    }
    json_body(req, body).map_err(|err| match err {
        AppError::UnsupportedMediaType(_) => AppError::UnsupportedMediaType(
            "send application/json or application/x-www-form-urlencoded".into(),
        ),
        other => other,
    })
}
