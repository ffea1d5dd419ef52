//! Posts: the cached reads behind the pages (list with filters, one post,
//! search) and the writes of the API, each invalidating exactly what it changed
//! after its transaction commits.
//!
//! | module | what |
//! |---|---|
//! | [`model`] | the values the services return (and the cache stores) |
//! | `read` | list, detail, search: cached as rendered pages, with fixed statement counts |
//! | `write` | create, update, delete |
//! | `likes`, `comments` | liking, commenting, approving, deleting a comment |
//! | [`articles`], `article_writes` | the same posts as the RealWorld API reads and writes them |
//! | [`validation`] | what a client may write |
//! | [`slug`] | a post's slug in the RealWorld API |

pub mod article_writes;
pub mod articles;
mod comments;
mod likes;
pub mod model;
mod read;
pub mod slug;
pub mod validation;
mod write;

use blog_repositories::post::write as post_write;
use blog_repositories::{DbPool, DbTransaction, Writer};

pub use self::article_writes::{ArticleInput, ThreadComment};
pub use self::articles::{Article, ArticlePage, ArticleQuery, Author};
pub use self::model::{
    CategoryRef, Comment, CommentState, LikeState, PostCard, PostDetail, PostListing, RenderedPage,
    SearchResults,
};
pub use self::read::ListRequest;
pub use self::validation::PostInput;
use crate::ServiceError;
use crate::analytics::Analytics;
use crate::cache::{Cache, Tag};
use crate::outbox::Outbox;

/// The `articles` section of the configuration: the RealWorld API's posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticlesConfig {
    /// The category an article published through that API is filed under
    /// (the API has none).
    pub category_id: i32,
}

impl Default for ArticlesConfig {
    fn default() -> Self {
        ArticlesConfig { category_id: 1 }
    }
}

/// Reads and writes posts for the pages and the JSON API.
#[derive(Debug, Clone)]
pub struct PostService {
    db: DbPool,
    cache: Cache,
    outbox: Outbox,
    analytics: Analytics,
    /// The category an article published through the RealWorld API is
    /// filed under (that API has none).
    articles_category: i32,
}

impl PostService {
    /// A service over the pool `db`, caching in `cache`, recording its
    /// invalidations in `outbox`, counting new posts in `analytics`, filing
    /// RealWorld articles as `articles` says.
    pub fn new(
        db: DbPool,
        cache: Cache,
        outbox: Outbox,
        analytics: Analytics,
        articles: ArticlesConfig,
    ) -> Self {
        PostService {
            db,
            cache,
            outbox,
            analytics,
            articles_category: articles.category_id,
        }
    }

    /// 404 unless post `id` exists.
    async fn require_post(&self, id: i32) -> Result<(), ServiceError> {
        if post_write::exists(&self.db, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!("post {id} does not exist")))
        }
    }

    /// Records what the writer changed and `domain` in the outbox, commits,
    /// then applies the invalidation (which cannot fail the write).
    async fn commit(
        &self,
        writer: Writer<DbTransaction>,
        domain: impl IntoIterator<Item = Tag>,
    ) -> Result<(), ServiceError> {
        self.outbox.commit(writer, domain).await
    }
}
