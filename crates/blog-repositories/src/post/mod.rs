//! Posts: the filter builder, the named eager-loading builders and the writes.
//!
//! A page of posts and everything it shows is ONE statement (`card.rs`): posts
//! joined to their author and category, the approved-comment and like counts
//! read from the post's counter caches ([`crate::counters`]), its tag names and
//! its newest approved comments as JSON arrays from correlated sub-selects (an
//! index lookup per post; one sub-select per relation, so they never multiply
//! each other as joins would). The detail view is the same statement for one
//! post, with its content and every approved comment.
//!
//! To show a new field on the list view, add it to [`PostCardRow`] (and, if it is a
//! column, to `select` in `card.rs`): every page, JSON twin and search
//! result gets it once the service's `PostCard` carries it.
//!
//! Why not sea-orm's `find_also_related` / `LoaderTrait::load_many`: both load
//! whole models, and a whole post carries its content (3.5 KB on average), which
//! a list of 20 cards never shows; the loader API also needs those models as its
//! parents. The joins use the entities' relations (`post::Relation::User`,
//! `post_tag::Relation::Tag`) but select only the columns a card shows.

pub mod article;
pub(crate) mod card;
mod filter;
pub mod position;
mod query;
pub mod search;
pub mod write;

use blog_entities::post;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect, QueryTrait};

use self::card::CommentsShown;
pub use self::filter::PostFilter;
pub use self::query::{PostListLoader, PostQuery};
use crate::comment::CommentRow;
use crate::error::During;
use crate::{Backend, RepositoryError};

/// How many approved comments the list view shows under each post.
pub const LIST_COMMENTS_PER_POST: u64 = 5;

/// The most posts one [`PostListLoader::fetch`] loads: keeps the `IN (...)` lists
/// of the tag and comment statements far below SQLite's 32,766 bind parameters.
pub const MAX_WINDOW: u64 = 1000;

/// One post with what a card shows, loaded: its author's and category's
/// names, tag names, approved-comment and like counts, and comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostCardRow {
    /// The post's id.
    pub id: i32,
    /// Its title.
    pub title: String,
    /// Its author's id.
    pub author_id: i32,
    /// The author's username.
    pub author: String,
    /// Its category's id.
    pub category_id: i32,
    /// The category's name.
    pub category: String,
    /// Tag names, alphabetical.
    pub tags: Vec<String>,
    /// Approved comments only.
    pub comment_count: i64,
    /// Users who like the post.
    pub like_count: i64,
    /// Words of the content, counted when it was written.
    pub word_count: i32,
    /// How often the post was read.
    pub view_count: i64,
    /// When it was published.
    pub created_at: DateTime<Utc>,
    /// On list views the newest approved comments (at most 5); on the detail view
    /// every approved comment, oldest first.
    pub comments: Vec<CommentRow>,
}

/// One post in full, for the detail view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostDetailRow {
    /// The card's data, with every approved comment.
    pub card: PostCardRow,
    /// The whole content.
    pub content: String,
}

/// Starts a query over all posts, newest first; narrow it, then count it or
/// eager-load a window of it.
pub fn posts<C: ConnectionTrait>(conn: &C) -> PostQuery<'_, C> {
    PostQuery::new(conn)
}

/// The detail loader: one post with its tags, counts and every approved
/// comment with its author, in 1 statement; `None` if there is no such post.
pub async fn find_detail(
    conn: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<PostDetailRow>, RepositoryError> {
    const OPERATION: &str = "loading the post";
    let select = card::select(Backend::of(conn), CommentsShown::All)
        .column(post::Column::Content)
        .filter(post::Column::Id.eq(id));
    let statement = select.build(conn.get_database_backend());
    let Some(row) = conn.query_one_raw(statement).await.during(OPERATION)? else {
        return Ok(None);
    };
    let card = card::from_row(&row, CommentsShown::All)?;
    let content: String = row.try_get("", "content").during(OPERATION)?;
    Ok(Some(PostDetailRow { card, content }))
}
