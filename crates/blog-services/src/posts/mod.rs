//! Posts: the cached reads behind the pages (list with filters, one post,
//! search) and the writes of the API, each invalidating exactly what it changed
//! after its transaction commits.
//!
//! | module | what |
//! |---|---|
//! | [`model`] | the values the services return (and the cache stores) |
//! | `read` | list, detail, search: cached as rendered pages, with fixed statement counts |
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
use blog_repositories::{DbPool, DbTransaction, Writer};

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

/// Reads and writes posts for the pages and the JSON API.
#[derive(Debug, Clone)]
pub struct PostService {
    db: DbPool,
    cache: Cache,
    outbox: Outbox,
    analytics: Analytics,
}

impl PostService {
    /// A service over the pool `db`, caching in `cache`, recording its
    /// invalidations in `outbox`, counting new posts in `analytics`.
    pub fn new(db: DbPool, cache: Cache, outbox: Outbox, analytics: Analytics) -> Self {
        PostService {
            db,
            cache,
            outbox,
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

    /// Records what the writer changed and `domain` in the outbox, commits,
    /// then applies the invalidation (which cannot fail the write).
    async fn commit(
        &self,
        mut writer: Writer<DbTransaction>,
        domain: impl IntoIterator<Item = Tag>,
    ) -> Result<(), ServiceError> {
        let recorded = self.outbox.record(&mut writer, domain).await?;
        writer.commit().await?;
        self.outbox.apply(recorded).await;
        Ok(())
    }
}
