//! Posts: the cached reads behind the pages (list with filters, one post,
//! search) and the writes of the API, each invalidating exactly what it changed
//! after its transaction commits.
//!
//! | module | what |
//! |---|---|
//! | [`model`] | the values the services return (and the cache stores) |
//! | `read` | list, detail, search: cached, with fixed statement counts |
//! | `write` | create, update, delete |
//! | `likes`, `comments` | liking, commenting and approving |
//! | [`validation`] | what a client may write |

mod comments;
mod likes;
pub mod model;
mod read;
pub mod validation;
mod write;

use blog_repositories::post::write as post_write;
use blog_repositories::{ChangedTables, DbPool};

pub use self::model::{
    CategoryRef, Comment, CommentState, LikeState, PostCard, PostDetail, PostListing, SearchResults,
};
pub use self::read::ListRequest;
pub use self::validation::PostInput;
use crate::analytics::Analytics;
use crate::cache::{Cache, Tag};
use crate::{ServiceError, cache_tags};

/// Reads and writes posts for the pages and the JSON API.
#[derive(Debug, Clone)]
pub struct PostService {
    db: DbPool,
    cache: Cache,
    analytics: Analytics,
}

impl PostService {
    /// A service over the pool `db`, caching in `cache`, counting new posts in `analytics`.
    pub fn new(db: DbPool, cache: Cache, analytics: Analytics) -> Self {
        PostService {
            db,
            cache,
            analytics,
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

    /// Invalidates what a committed write changed: its tables and `domain`.
    async fn invalidate(&self, changed: &ChangedTables, domain: impl IntoIterator<Item = Tag>) {
        self.cache
            .invalidate_tags(&cache_tags::after_write(changed, domain))
            .await;
    }
}
