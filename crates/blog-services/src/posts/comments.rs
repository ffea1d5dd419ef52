//! Commenting, and the post author's approval that makes a comment public.

use blog_repositories::{Writer, comment};
use chrono::Utc;

use super::PostService;
use super::model::CommentState;
use super::validation::validate_comment;
use crate::auth::AuthUser;
use crate::idempotency::{self, IdempotencyKey};
use crate::{ServiceError, cache_tags};

impl PostService {
    /// A comment by `user` on post `post_id`, waiting for the post author's
    /// approval: no page shows it yet, so no cached page changes. With a `key`
    /// already used by `user`, returns the first response and writes nothing.
    pub async fn comment(
        &self,
        user: &AuthUser,
        post_id: i32,
        content: Option<&str>,
        key: Option<&IdempotencyKey>,
    ) -> Result<CommentState, ServiceError> {
        let content = validate_comment(content)?;
        self.require_post(post_id).await?;
        let mut writer = Writer::begin(&self.db).await?;
        if let Some(first) = idempotency::replay(&mut writer, user.id, key).await? {
            self.outbox.after_replay();
            return Ok(first);
        }
        let stored = comment::create(&mut writer, post_id, user.id, content, Utc::now()).await?;
        let state = CommentState::from(stored);
        idempotency::remember(&mut writer, user.id, key, &state).await?;
        self.commit(writer, []).await?;
        Ok(state)
    }

    /// Approves comment `id` (the post's author only); approving twice changes nothing.
    pub async fn approve(&self, user: &AuthUser, id: i32) -> Result<CommentState, ServiceError> {
        let (mut stored, post_author) = comment::find_with_post_author(&self.db, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("comment {id} does not exist")))?;
        if post_author != user.id {
            return Err(ServiceError::Forbidden(
                "only the post's author may approve its comments".into(),
            ));
        }
        if !stored.is_approved {
            let mut writer = Writer::begin(&self.db).await?;
            if comment::approve(&mut writer, id, stored.post_id).await? {
                let domain = [cache_tags::posts(), cache_tags::post(stored.post_id)];
                self.commit(writer, domain).await?;
            }
            stored.is_approved = true;
        }
        Ok(stored.into())
    }
}
