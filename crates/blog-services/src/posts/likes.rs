//! Liking and unliking: idempotent, so a repeated request changes nothing and
//! invalidates nothing.

use blog_repositories::{DbTransaction, Writer, counters, like};
use chrono::Utc;

use super::PostService;
use super::model::LikeState;
use crate::auth::AuthUser;
use crate::{ServiceError, cache_tags};

impl PostService {
    /// `user` likes post `id`; liking twice changes nothing.
    pub async fn like(&self, user: &AuthUser, id: i32) -> Result<LikeState, ServiceError> {
        self.require_post(id).await?;
        let mut writer = Writer::begin(&self.db).await?;
        let changed = like::add(&mut writer, id, user.id, Utc::now()).await?;
        self.after_like(writer, user, id, changed, true).await
    }

    /// `user` no longer likes post `id`; unliking twice changes nothing.
    pub async fn unlike(&self, user: &AuthUser, id: i32) -> Result<LikeState, ServiceError> {
        self.require_post(id).await?;
        let mut writer = Writer::begin(&self.db).await?;
        let changed = like::remove(&mut writer, id, user.id).await?;
        self.after_like(writer, user, id, changed, false).await
    }

    /// Counts the change on the post's like counter (or reads it, if nothing
    /// changed) in the transaction, then commits (recording the invalidation
    /// only if the like changed anything).
    async fn after_like(
        &self,
        mut writer: Writer<DbTransaction>,
        user: &AuthUser,
        id: i32,
        changed: bool,
        liked: bool,
    ) -> Result<LikeState, ServiceError> {
        let like_count;
        if changed {
            let delta = if liked { 1 } else { -1 };
            like_count = counters::add_likes(&mut writer, id, delta).await?;
            let domain = [
                cache_tags::posts(),
                cache_tags::post(id),
                cache_tags::likes_of(user.id),
                cache_tags::liked_by_name(&user.username),
            ];
            self.commit(writer, domain).await?;
        } else {
            like_count = like::count(writer.reader(), id).await?;
            writer.commit().await?;
        }
        Ok(LikeState {
            post_id: id,
            liked,
            like_count,
        })
    }
}
