//! Posts, comments and likes on the wire.

use blog_services::Page;
use blog_services::posts::{Comment, CommentState, LikeState, PostCard, PostDetail, PostInput};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One post as the lists show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PostCard)]
pub struct PostCardBody {
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
    /// Minutes: `ceil(words / 250)`, at least 1.
    pub read_time: i32,
    /// How often it was read.
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
    pub page: u64,
    /// How many pages there are.
    pub pages: u64,
    /// How many posts there are on all pages.
    pub count: u64,
    /// The page's posts, newest first.
    pub results: Vec<PostCardBody>,
}

/// A post as a client writes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = PostInput)]
pub struct PostInputBody {
    /// 1 to 200 characters.
    pub title: Option<String>,
    /// Not blank, at most 100 KB.
    pub content: Option<String>,
    /// An existing category's id.
    pub category_id: Option<i64>,
    /// Tag names; unknown ones are created. Omitted on update: tags unchanged.
    pub tags: Option<Vec<String>>,
}

/// A new comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = CommentInput)]
pub struct CommentInputBody {
    /// Not blank, at most 10,000 characters.
    pub content: Option<String>,
}

/// Whether the user likes the post now, and how many do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = LikeState)]
pub struct LikeBody {
    /// The post.
    pub post_id: i32,
    /// Whether the token's user likes it now.
    pub liked: bool,
    /// How many users like it.
    pub like_count: i64,
}

/// A comment as its author and the post's author see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CommentState)]
pub struct CommentStateBody {
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
