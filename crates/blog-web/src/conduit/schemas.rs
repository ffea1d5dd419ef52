//! The RealWorld API's fields as JSON Schema, for its OpenAPI document. Each
//! says exactly what the services accept (built from their own limits), so
//! that a fuzzer's valid value is accepted and its invalid one refused.

use blog_services::auth::accounts::{
    MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS, MAX_PROFILE_CHARS, MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS,
};
use blog_services::posts::article_writes::MAX_DESCRIPTION_CHARS;
use blog_services::posts::articles::{DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET};
use blog_services::posts::validation::{MAX_TAG_CHARS, MAX_TAGS};
use utoipa::openapi::Object;
use utoipa::openapi::schema::{Array, ArrayBuilder, ObjectBuilder, SchemaType, Type};

use crate::wire::posts::{comment_schema, content_schema, title_schema};
use crate::wire::trimmed_text;

/// Text without NUL: any number of any other characters.
const NO_NUL: &str = r"^[^\u0000]*$";

/// `schema`, or `null` (which the service reads as "absent").
fn or_null(mut schema: Object) -> Object {
    schema.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
    schema
}

/// A username: 1 to 150 characters once trimmed, no NUL.
pub fn username() -> Object {
    trimmed_text(
        MAX_USERNAME_CHARS,
        false,
        "1 to 150 characters once surrounding whitespace is trimmed, no NUL.",
    )
}

/// An address: `local@domain`, both parts visible ASCII other than `@`, at
/// most 254 characters, nothing trimmed.
pub fn email() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(3))
        .max_length(Some(MAX_EMAIL_CHARS))
        .pattern(Some("^[!-?A-~]+@[!-?A-~]+$"))
        .description(Some(
            "`local@domain`, both parts visible ASCII characters other than `@`, \
             at most 254 characters.",
        ))
        .build()
}

/// A new password: 8 to 1024 characters, no NUL.
pub fn password() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(MIN_PASSWORD_CHARS))
        .max_length(Some(MAX_PASSWORD_CHARS))
        .pattern(Some(NO_NUL))
        .description(Some("8 to 1024 characters, no NUL."))
        .build()
}

/// What a sign-in is checked with: anything but empty or with NUL (a wrong
/// one is a 401, not a 422).
pub fn credential() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .pattern(Some(NO_NUL))
        .description(Some("Not empty, no NUL."))
        .build()
}

/// A bio or a picture URL: at most 10,000 characters once trimmed, no NUL;
/// empty, blank or `null` clears it.
pub fn profile_text() -> Object {
    or_null(trimmed_text(
        MAX_PROFILE_CHARS,
        true,
        "At most 10,000 characters once surrounding whitespace is trimmed, no NUL; \
         empty, blank or null clears it.",
    ))
}

/// An article's title on publishing.
pub fn title() -> Object {
    title_schema()
}

/// An article's title on editing: `null` keeps it.
pub fn title_or_null() -> Object {
    or_null(title_schema())
}

/// An article's description on publishing: 1 to 1,000 characters once
/// trimmed, no NUL.
pub fn description() -> Object {
    trimmed_text(
        MAX_DESCRIPTION_CHARS,
        false,
        "1 to 1,000 characters once surrounding whitespace is trimmed, no NUL.",
    )
}

/// An article's description on editing: `null` keeps it.
pub fn description_or_null() -> Object {
    or_null(description())
}

/// An article's text on publishing: the rules of a post's content.
pub fn body() -> Object {
    content_schema()
}

/// An article's text on editing: `null` keeps it.
pub fn body_or_null() -> Object {
    or_null(content_schema())
}

/// An article's tags: at most 10 names of 1 to 50 characters once trimmed,
/// no NUL (`null` is refused: `[]` removes them all).
pub fn tag_list() -> Array {
    ArrayBuilder::new()
        .items(trimmed_text(MAX_TAG_CHARS, false, "A tag name."))
        .max_items(Some(MAX_TAGS))
        .description(Some(
            "At most 10 tag names, each 1 to 50 characters once surrounding whitespace \
             is trimmed, no NUL; unknown ones are created. On editing, absent keeps \
             the tags and `[]` removes them.",
        ))
        .build()
}

/// A comment's text: 1 to 10,000 characters once trimmed, no NUL.
pub fn comment() -> Object {
    comment_schema()
}

/// A filter's text: at most `max_chars` characters, no NUL.
fn filter(max_chars: usize, description: String) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max_chars))
        .pattern(Some(NO_NUL))
        .description(Some(description))
        .build()
}

/// `?tag=`: a tag name.
pub fn tag_filter() -> Object {
    filter(
        MAX_TAG_CHARS,
        format!("Only articles with this tag (at most {MAX_TAG_CHARS} characters, no NUL)."),
    )
}

/// `?author=` and `?favorited=`: a username.
pub fn username_filter() -> Object {
    filter(
        MAX_USERNAME_CHARS,
        format!(
            "Only the articles of (or liked by) this username (at most \
             {MAX_USERNAME_CHARS} characters, no NUL)."
        ),
    )
}

/// `?limit=`: how many articles a page holds.
pub fn limit() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(MAX_LIMIT as f64))
        .description(Some(format!(
            "How many articles (1 to {MAX_LIMIT}; {DEFAULT_LIMIT} unless given)."
        )))
        .build()
}

/// `?offset=`: how many articles the page skips.
pub fn offset() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .maximum(Some(MAX_OFFSET as f64))
        .description(Some(format!(
            "How many articles to skip (0 to {MAX_OFFSET})."
        )))
        .build()
}
