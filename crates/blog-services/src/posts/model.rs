//! What the post services return: the domain values pages and the API render,
//! and the cache stores (each under its shape's version).

use blog_repositories::comment::CommentRow;
use blog_repositories::post::{PostCardRow, PostDetailRow};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::cache::Cacheable;
use crate::pagination::Page;

/// Words a reader gets through in a minute, for [`read_time_minutes`].
pub const WORDS_PER_MINUTE: i32 = 250;

/// Reading time in whole minutes: `ceil(words / 250)`, at least 1.
pub fn read_time_minutes(word_count: i32) -> i32 {
    let words = Ord::max(word_count, 0);
    Ord::max((words + WORDS_PER_MINUTE - 1) / WORDS_PER_MINUTE, 1)
}

/// One post as the list views show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostCard {
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
    /// Users who like it.
    pub like_count: i64,
    /// Words of the content.
    pub word_count: i32,
    /// Minutes, from `word_count` ([`read_time_minutes`]).
    pub read_time: i32,
    /// How often it was read.
    pub view_count: i64,
    /// When it was published.
    pub created_at: DateTime<Utc>,
    /// On list views the newest approved comments (at most 5); on the detail view
    /// every approved comment, oldest first.
    pub comments: Vec<Comment>,
}

/// An approved comment with its author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// The comment's id.
    pub id: i32,
    /// The post it is about.
    pub post_id: i32,
    /// Its author's id.
    pub author_id: i32,
    /// The author's username.
    pub author: String,
    /// What it says.
    pub content: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// One post in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostDetail {
    /// Everything the card shows, with every approved comment.
    pub card: PostCard,
    /// The whole content.
    pub content: String,
}

/// A category, as the navigation shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRef {
    /// The category's id.
    pub id: i32,
    /// Its name.
    pub name: String,
    /// How many posts it has (the total of its list).
    pub post_count: u64,
}

/// One page of the post list, with what the page around it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostListing {
    /// The page of posts.
    pub posts: Page<PostCard>,
    /// Every category, for the navigation.
    pub categories: Vec<CategoryRef>,
    /// The category filtered on, if any.
    pub category: Option<CategoryRef>,
    /// The tag filtered on, if any.
    pub tag: Option<String>,
}

/// One page of search results. Search pages are not counted: counting every match
/// would make a common word cost more than a rare one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The query as searched (trimmed); empty means no search was made.
    pub query: String,
    /// The page's posts, newest first.
    pub posts: Vec<PostCard>,
    /// 1-based page number.
    pub page: u64,
    /// Whether a next page exists.
    pub has_next: bool,
}

/// Whether the user likes the post now, and how many do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikeState {
    /// The post.
    pub post_id: i32,
    /// Whether the user likes it now.
    pub liked: bool,
    /// How many users like it.
    pub like_count: i64,
}

/// A comment as its author and the post's author see it (approved or not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentState {
    /// The comment's id.
    pub id: i32,
    /// The post it is about.
    pub post_id: i32,
    /// Its author's id.
    pub author_id: i32,
    /// What it says.
    pub content: String,
    /// Whether the post's author approved it (then pages show it).
    pub is_approved: bool,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// A page as it is sent (HTML or JSON), cached whole: a hit sends the stored
/// bytes and validator, with no decoding, rendering or hashing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedPage {
    /// The response body (shared: a hit hands out the kept copy's bytes).
    pub body: Bytes,
    /// Its `ETag`.
    pub etag: String,
    /// A page of nothing (an empty list, no results): cached briefly, since
    /// anyone can ask for endless such pages.
    pub empty: bool,
}

impl Cacheable for RenderedPage {
    const SCHEMA: u32 = 1;
}

impl Cacheable for PostListing {
    const SCHEMA: u32 = 2;
}

impl Cacheable for PostDetail {
    const SCHEMA: u32 = 1;
}

impl Cacheable for SearchResults {
    const SCHEMA: u32 = 1;
}

impl Cacheable for CategoryRef {
    const SCHEMA: u32 = 2;
}

impl From<PostCardRow> for PostCard {
    fn from(row: PostCardRow) -> Self {
        PostCard {
            read_time: read_time_minutes(row.word_count),
            id: row.id,
            title: row.title,
            author_id: row.author_id,
            author: row.author,
            category_id: row.category_id,
            category: row.category,
            tags: row.tags,
            comment_count: row.comment_count,
            like_count: row.like_count,
            word_count: row.word_count,
            view_count: row.view_count,
            created_at: row.created_at,
            comments: row.comments.into_iter().map(Comment::from).collect(),
        }
    }
}

impl From<CommentRow> for Comment {
    fn from(row: CommentRow) -> Self {
        Comment {
            id: row.id,
            post_id: row.post_id,
            author_id: row.author_id,
            author: row.author,
            content: row.content,
            created_at: row.created_at,
        }
    }
}

impl From<PostDetailRow> for PostDetail {
    fn from(row: PostDetailRow) -> Self {
        PostDetail {
            card: row.card.into(),
            content: row.content,
        }
    }
}

impl From<blog_entities::comment::Model> for CommentState {
    fn from(stored: blog_entities::comment::Model) -> Self {
        CommentState {
            id: stored.id,
            post_id: stored.post_id,
            author_id: stored.user_id,
            content: stored.content,
            is_approved: stored.is_approved,
            created_at: stored.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_time_counts_words_and_rounds_up() {
        assert_eq!(read_time_minutes(0), 1);
        assert_eq!(read_time_minutes(1), 1);
        assert_eq!(read_time_minutes(250), 1);
        assert_eq!(read_time_minutes(251), 2);
        assert_eq!(read_time_minutes(1000), 4);
    }
}
