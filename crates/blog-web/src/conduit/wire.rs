//! The RealWorld API's answers, as its specification names them (camelCase,
//! each wrapped in `user`, `profile`, `article`, `comment`, ...), and the
//! service's values turned into them (what clients send is in
//! [`super::requests`]). Timestamps are RFC 3339 in UTC with
//! milliseconds, the same on every read, so a value written and read back
//! compares equal.

use blog_services::auth::accounts::Account;
use blog_services::posts::{Article, ArticlePage, Author, ThreadComment};
use blog_services::profiles::Profile;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A timestamp as every read shows it.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `{"user": ...}`: one's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    /// The account.
    pub user: UserOut,
}

/// An account with its token.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// The address.
    pub email: String,
    /// The token to send as `Authorization: Token ...`.
    pub token: String,
    /// The username.
    pub username: String,
    /// The bio.
    pub bio: Option<String>,
    /// The picture URL.
    pub image: Option<String>,
}

impl UserOut {
    /// `account` with `token`.
    pub fn new(account: Account, token: String) -> Self {
        UserOut {
            email: account.email,
            token,
            username: account.username,
            bio: account.bio,
            image: account.image,
        }
    }
}

/// `{"profile": ...}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileResponse {
    /// The profile.
    pub profile: ProfileOut,
}

/// A user as a reader sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileOut {
    /// The username.
    pub username: String,
    /// The bio.
    pub bio: Option<String>,
    /// The picture URL.
    pub image: Option<String>,
    /// Whether the reader follows them.
    pub following: bool,
}

impl From<Profile> for ProfileOut {
    fn from(profile: Profile) -> Self {
        ProfileOut {
            username: profile.username,
            bio: profile.bio,
            image: profile.image,
            following: profile.following,
        }
    }
}

impl From<Author> for ProfileOut {
    fn from(author: Author) -> Self {
        ProfileOut {
            username: author.username,
            bio: author.bio,
            image: author.image,
            following: author.following,
        }
    }
}

/// `{"article": ...}`: one article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleResponse {
    /// The article.
    pub article: ArticleOut,
}

/// An article as a reader sees it (a list leaves the body out).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleOut {
    /// Its address.
    pub slug: String,
    /// The title.
    pub title: String,
    /// The one-line summary.
    pub description: String,
    /// The text (one article only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The tag names.
    pub tag_list: Vec<String>,
    /// When it was published.
    pub created_at: String,
    /// When it was last edited.
    pub updated_at: String,
    /// Whether the reader likes it.
    pub favorited: bool,
    /// How many users like it.
    #[schema(minimum = 0)]
    pub favorites_count: i64,
    /// Its author.
    pub author: ProfileOut,
}

impl From<Article> for ArticleOut {
    fn from(article: Article) -> Self {
        ArticleOut {
            slug: article.slug,
            title: article.title,
            description: article.description,
            body: article.body,
            tag_list: article.tags,
            created_at: timestamp(article.created_at),
            updated_at: timestamp(article.updated_at),
            favorited: article.favorited,
            favorites_count: article.favorites_count,
            author: article.author.into(),
        }
    }
}

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticlesOut {
    /// The page.
    pub articles: Vec<ArticleOut>,
    /// Every article the query selects.
    pub articles_count: u64,
}

impl From<ArticlePage> for ArticlesOut {
    fn from(page: ArticlePage) -> Self {
        ArticlesOut {
            articles: page.articles.into_iter().map(ArticleOut::from).collect(),
            articles_count: page.count,
        }
    }
}

/// `{"comment": ...}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentResponse {
    /// The comment.
    pub comment: CommentOut,
}

/// A comment as a reader sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentOut {
    /// Its id.
    pub id: i32,
    /// When it was written.
    pub created_at: String,
    /// The same (comments are not edited).
    pub updated_at: String,
    /// What it says.
    pub body: String,
    /// Its author.
    pub author: ProfileOut,
}

impl From<ThreadComment> for CommentOut {
    fn from(comment: ThreadComment) -> Self {
        CommentOut {
            id: comment.id,
            created_at: timestamp(comment.created_at),
            updated_at: timestamp(comment.created_at),
            body: comment.body,
            author: ProfileOut {
                username: comment.author,
                bio: comment.author_bio,
                image: comment.author_image,
                following: comment.following,
            },
        }
    }
}

/// An article's comments.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentsOut {
    /// Oldest first.
    pub comments: Vec<CommentOut>,
}

/// Every tag.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagsOut {
    /// Their names.
    pub tags: Vec<String>,
}
