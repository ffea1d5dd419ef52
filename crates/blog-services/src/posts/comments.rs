//! Commenting, the post author's approval that makes a comment public (their
//! own comments need none), and deleting one's own comment.

use blog_repositories::post::write as post_write;
use blog_repositories::{Writer, comment};
use chrono::Utc;

use super::PostService;
use super::model::CommentState;
use super::validation::validate_comment;
use crate::auth::AuthUser;
use crate::idempotency::{self, IdempotencyKey};
use crate::{ServiceError, cache_tags};

impl PostService {
    /// A comment by `user` on post `post_id`: public at once if `user` wrote
    /// the post, else waiting for the post author's approval (no page shows
    /// it yet, so no cached page changes). With a `key` already used by
    /// `user`, returns the first response and writes nothing.
    pub async fn comment(
        &self,
        user: &AuthUser,
        post_id: i32,
        content: Option<&str>,
        key: Option<&IdempotencyKey>,
    ) -> Result<CommentState, ServiceError> {
        let content = validate_comment(content)?;
        let author = post_write::author_of(&self.db, post_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("post {post_id} does not exist")))?;
        let mut writer = Writer::begin(&self.db).await?;
        if let Some(first) = idempotency::replay(&mut writer, user.id, key).await? {
            self.outbox.after_replay();
            return Ok(first);
        }
        let approved = author == user.id;
        let stored =
            comment::create(&mut writer, post_id, user.id, content, approved, Utc::now()).await?;
        let state = CommentState::from(stored);
        idempotency::remember(&mut writer, user.id, key, &state).await?;
        let domain = if approved {
            vec![cache_tags::posts(), cache_tags::post(post_id)]
        } else {
            Vec::new()
        };
        self.commit(writer, domain).await?;
        Ok(state)
    }

    /// Deletes comment `id` of post `post_id` (its author only): 404 if the
    /// post has no such comment, 403 if it is someone else's.
    pub async fn delete_comment(
        &self,
        user: &AuthUser,
        post_id: i32,
        id: i32,
    ) -> Result<(), ServiceError> {
        let (stored, _) = comment::find_with_post_author(&self.db, id)
            .await?
            .filter(|(stored, _)| stored.post_id == post_id)
            .ok_or_else(|| ServiceError::NotFound(format!("comment {id} does not exist")))?;
        if stored.user_id != user.id {
            return Err(ServiceError::Forbidden(
                "only the comment's author may delete it".into(),
            ));
        }
        let mut writer = Writer::begin(&self.db).await?;
        let deleted = comment::delete(&mut writer, id, post_id).await?;
        let domain = match deleted {
            Some(gone) if gone.is_approved => vec![cache_tags::posts(), cache_tags::post(post_id)],
            _ => Vec::new(),
        };
        self.commit(writer, domain).await
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
