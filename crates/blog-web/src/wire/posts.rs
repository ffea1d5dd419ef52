//! Posts, comments and likes on the wire.

use blog_services::Page;
use blog_services::posts::validation::{
    MAX_COMMENT_CHARS, MAX_CONTENT_BYTES, MAX_TAG_CHARS, MAX_TAGS, MAX_TITLE_CHARS,
};
use blog_services::posts::{Comment, CommentState, LikeState, PostCard, PostDetail, PostInput};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{WHITESPACE, trimmed_text};

/// One post as the lists show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PostCard)]
pub struct PostCardBody {
    /// The post's id.
    #[schema(minimum = 1)]
    pub id: i32,
    /// Its title.
    pub title: String,
    /// Its author's id.
    #[schema(minimum = 1)]
    pub author_id: i32,
    /// The author's username.
    pub author: String,
    /// Its category's id.
    #[schema(minimum = 1)]
    pub category_id: i32,
    /// The category's name.
    pub category: String,
    /// Tag names, alphabetical.
    pub tags: Vec<String>,
    /// Approved comments only.
    #[schema(minimum = 0)]
    pub comment_count: i64,
    /// Users who like it.
    #[schema(minimum = 0)]
    pub like_count: i64,
    /// Words of the content.
    #[schema(minimum = 0)]
    pub word_count: i32,
    /// Minutes: `ceil(words / 250)`, at least 1.
    #[schema(minimum = 1)]
    pub read_time: i32,
    /// How often it was read.
    #[schema(minimum = 0)]
    pub view_count: i64,
    /// When it was published.
    pub created_at: DateTime<Utc>,
    /// On lists the 5 newest approved comments; on one post every approved
    /// comment, oldest first.
    pub comments: Vec<CommentBody>,
}

/// An approved comment with its author.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CommentView)]
pub struct CommentBody {
    /// The comment's id.
    #[schema(minimum = 1)]
    pub id: i32,
    /// The post it is about.
    #[schema(minimum = 1)]
    pub post_id: i32,
    /// Its author's id.
    #[schema(minimum = 1)]
    pub author_id: i32,
    /// The author's username.
    pub author: String,
    /// What it says.
    pub content: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// One post in full: the card's fields and the content.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PostDetail)]
pub struct PostDetailBody {
    /// Everything the card shows.
    #[serde(flatten)]
    pub card: PostCardBody,
    /// The whole content.
    pub content: String,
}

/// A page of posts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PostListBody {
    /// 1-based page number.
    #[schema(minimum = 1)]
    pub page: u64,
    /// How many pages there are.
    #[schema(minimum = 1)]
    pub pages: u64,
    /// How many posts there are on all pages.
    pub count: u64,
    /// The page's posts, newest first.
    #[schema(max_items = 20)]
    pub results: Vec<PostCardBody>,
}

/// A post as a client writes it. Every rule here is checked by the service
/// (422 names each field that breaks one).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(
    as = PostInput,
    example = json!({
        "title": "Faster pages with fewer queries",
        "content": "Every page costs a fixed number of statements.",
        "category_id": 2,
        "tags": ["performance", "rust"]
    })
)]
pub struct PostInputBody {
    /// 1 to 200 characters once surrounding whitespace is trimmed, no NUL.
    #[schema(schema_with = title_schema, required = true)]
    pub title: Option<String>,
    /// Not blank, no NUL, at most 100 KB (102,400 bytes of UTF-8: as many
    /// characters when they are ASCII).
    #[schema(schema_with = content_schema, required = true)]
    pub content: Option<String>,
    /// An existing category's id: the dataset's categories are 1 to 5.
    #[schema(value_type = i32, required = true, minimum = 1, maximum = 5)]
    #[serde(default, deserialize_with = "whole_number")]
    pub category_id: Option<i64>,
    /// At most 10 tag names, each 1 to 50 characters once surrounding
    /// whitespace is trimmed, no NUL; unknown ones are created. Omitted or
    /// null on update: tags unchanged.
    #[schema(schema_with = tags_schema)]
    pub tags: Option<Vec<String>>,
}

/// A new comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = CommentInput, example = json!({"content": "Thanks, this helped."}))]
pub struct CommentInputBody {
    /// 1 to 10,000 characters once surrounding whitespace is trimmed, no NUL.
    #[schema(schema_with = comment_schema, required = true)]
    pub content: Option<String>,
}

/// `title`: trimmed, then 1 to 200 characters.
pub(crate) fn title_schema() -> utoipa::openapi::Object {
    trimmed_text(
        MAX_TITLE_CHARS,
        false,
        "1 to 200 characters once surrounding whitespace is trimmed, no NUL.",
    )
}

/// `content` of a post: not blank, no NUL, at most 100 KB. JSON Schema counts
/// characters, the service bytes: the bound is exact for ASCII, and generous
/// for the rest (a 4-byte character counts once).
pub(crate) fn content_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_CONTENT_BYTES))
        .pattern(Some(format!(
            r"^[^\u0000]*[^\u0000{WHITESPACE}][^\u0000]*$"
        )))
        .description(Some(
            "Not blank, no NUL, at most 100 KB (102,400 bytes of UTF-8: as many \
             characters when they are ASCII).",
        ))
        .build()
}

/// `content` of a comment: trimmed, then 1 to 10,000 characters.
pub(crate) fn comment_schema() -> utoipa::openapi::Object {
    trimmed_text(
        MAX_COMMENT_CHARS,
        false,
        "1 to 10,000 characters once surrounding whitespace is trimmed, no NUL.",
    )
}

/// `tags`: null, or at most 10 names of 1 to 50 (trimmed) characters.
fn tags_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(trimmed_text(MAX_TAG_CHARS, false, "A tag name."))
        .max_items(Some(MAX_TAGS))
        .description(Some(
            "At most 10 tag names, each 1 to 50 characters once surrounding whitespace \
             is trimmed, no NUL; unknown ones are created. Omitted or null on update: \
             tags unchanged.",
        ))
        .build()
}

/// Whether the user likes the post now, and how many do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = LikeState)]
pub struct LikeBody {
    /// The post.
    #[schema(minimum = 1)]
    pub post_id: i32,
    /// Whether the token's user likes it now.
    pub liked: bool,
    /// How many users like it.
    #[schema(minimum = 0)]
    pub like_count: i64,
}

/// A comment as its author and the post's author see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CommentState)]
pub struct CommentStateBody {
    /// The comment's id.
    #[schema(minimum = 1)]
    pub id: i32,
    /// The post it is about.
    #[schema(minimum = 1)]
    pub post_id: i32,
    /// Its author's id.
    #[schema(minimum = 1)]
    pub author_id: i32,
    /// What it says.
    pub content: String,
    /// Whether the post's author approved it (then pages show it).
    pub is_approved: bool,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl From<PostCard> for PostCardBody {
    fn from(card: PostCard) -> Self {
        PostCardBody {
            id: card.id,
            title: card.title,
            author_id: card.author_id,
            author: card.author,
            category_id: card.category_id,
            category: card.category,
            tags: card.tags,
            comment_count: card.comment_count,
            like_count: card.like_count,
            word_count: card.word_count,
            read_time: card.read_time,
            view_count: card.view_count,
            created_at: card.created_at,
            comments: card.comments.into_iter().map(CommentBody::from).collect(),
        }
    }
}

impl From<Comment> for CommentBody {
    fn from(comment: Comment) -> Self {
        CommentBody {
            id: comment.id,
            post_id: comment.post_id,
            author_id: comment.author_id,
            author: comment.author,
            content: comment.content,
            created_at: comment.created_at,
        }
    }
}

impl From<PostDetail> for PostDetailBody {
    fn from(post: PostDetail) -> Self {
        PostDetailBody {
            card: post.card.into(),
            content: post.content,
        }
    }
}

impl From<Page<PostCard>> for PostListBody {
    fn from(page: Page<PostCard>) -> Self {
        PostListBody {
            page: page.page,
            pages: page.pages,
            count: page.count,
            results: page.items.into_iter().map(PostCardBody::from).collect(),
        }
    }
}

impl From<PostInputBody> for PostInput {
    fn from(body: PostInputBody) -> Self {
        PostInput {
            title: body.title,
            content: body.content,
            category_id: body.category_id,
            tags: body.tags,
        }
    }
}

impl From<LikeState> for LikeBody {
    fn from(like: LikeState) -> Self {
        LikeBody {
            post_id: like.post_id,
            liked: like.liked,
            like_count: like.like_count,
        }
    }
}

impl From<CommentState> for CommentStateBody {
    fn from(comment: CommentState) -> Self {
        CommentStateBody {
            id: comment.id,
            post_id: comment.post_id,
            author_id: comment.author_id,
            content: comment.content,
            is_approved: comment.is_approved,
            created_at: comment.created_at,
        }
    }
}

/// An optional JSON integer, also when spelled as a whole float (`4.0`), which
/// JSON Schema's `integer` admits; any other number is malformed (400).
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    match (number.as_i64(), number.as_f64()) {
        (Some(n), _) => Ok(Some(n)),
        (None, Some(f)) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => {
            Ok(Some(f as i64))
        }
        _ => Err(serde::de::Error::custom(format!(
            "expected an integer, not {number}"
        ))),
    }
}
