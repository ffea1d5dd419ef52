//! Publishing, editing and deleting posts (their author only). Each write is
//! one transaction that also records its cache invalidation (the outbox) and
//! reads back what the response shows, so once it commits nothing can fail.

use blog_repositories::post::write::{self as post_write, PostOwnership};
use blog_repositories::{DbTransaction, Writer, post};
use chrono::Utc;

use super::PostService;
use super::model::PostDetail;
use super::slug::slug_for;
use super::validation::{PostInput, validate_post};
use crate::auth::AuthUser;
use crate::cache::Tag;
use crate::idempotency::{self, IdempotencyKey};
use crate::{ServiceError, cache_tags};

impl PostService {
    /// Publishes a post by `user`; returns it as the detail view shows it.
    /// With a `key` already used by `user`, returns the first response and
    /// writes nothing.
    pub async fn create(
        &self,
        user: &AuthUser,
        input: &PostInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<PostDetail, ServiceError> {
        let valid = validate_post(&self.db, input).await?;
        let mut writer = Writer::begin(&self.db).await?;
        if let Some(first) = idempotency::replay(&mut writer, user.id, key).await? {
            self.outbox.after_replay();
            return Ok(first);
        }
        let title = valid.fields.title.clone();
        let slug = |id| slug_for(&title, id);
        let id = post_write::create(&mut writer, user.id, valid.fields.clone(), slug, Utc::now())
            .await?;
        let names = valid.tags.as_deref().unwrap_or_default();
        post_write::set_tag_names(&mut writer, id, names).await?;
        let detail = written_detail(&writer, id).await?;
        idempotency::remember(&mut writer, user.id, key, &detail).await?;
        let domain = invalidated_by_post_write(id, user.id, &[valid.fields.category_id], names);
        self.commit(writer, domain).await?;
        self.analytics.new_post();
        Ok(detail)
    }

    /// Replaces the fields of post `id` (its author only); tags only if given.
    pub async fn update(
        &self,
        user: &AuthUser,
        id: i32,
        input: &PostInput,
    ) -> Result<PostDetail, ServiceError> {
        let owner = self.owned_by(user, id).await?;
        let valid = validate_post(&self.db, input).await?;
        let mut writer = Writer::begin(&self.db).await?;
        post_write::update(&mut writer, id, valid.fields.clone(), Utc::now()).await?;
        if let Some(names) = &valid.tags {
            post_write::set_tag_names(&mut writer, id, names).await?;
        }
        let detail = written_detail(&writer, id).await?;
        let names: Vec<String> = owner
            .tags
            .iter()
            .chain(valid.tags.iter().flatten())
            .cloned()
            .collect();
        let categories = [owner.category_id, valid.fields.category_id];
        let domain = invalidated_by_post_write(id, owner.user_id, &categories, &names);
        self.commit(writer, domain).await?;
        Ok(detail)
    }

    /// Deletes post `id` with its comments and likes (its author only).
    pub async fn delete(&self, user: &AuthUser, id: i32) -> Result<(), ServiceError> {
        let owner = self.owned_by(user, id).await?;
        let mut writer = Writer::begin(&self.db).await?;
        post_write::delete(&mut writer, id).await?;
        let domain =
            invalidated_by_post_write(id, owner.user_id, &[owner.category_id], &owner.tags);
        self.commit(writer, domain).await
    }

    /// The post's ownership if `user` wrote it; 404 if absent, 403 if not theirs.
    pub(super) async fn owned_by(
        &self,
        user: &AuthUser,
        id: i32,
    ) -> Result<PostOwnership, ServiceError> {
        let owner = post_write::find_ownership(&self.db, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("post {id} does not exist")))?;
        if owner.user_id != user.id {
            return Err(ServiceError::Forbidden(
                "only the post's author may change it".into(),
            ));
        }
        Ok(owner)
    }
}

/// Post `id` as the writer's transaction sees it (the response of a write).
async fn written_detail(
    writer: &Writer<DbTransaction>,
    id: i32,
) -> Result<PostDetail, ServiceError> {
    post::find_detail(writer.reader(), id)
        .await?
        .map(PostDetail::from)
        .ok_or_else(|| ServiceError::NotFound(format!("post {id} does not exist")))
}

/// The tags a write to post `id` by `author` touches: every list, the post, the
/// author's stats, its categories and tag names.
pub(super) fn invalidated_by_post_write(
    id: i32,
    author: i32,
    categories: &[i32],
    names: &[String],
) -> Vec<Tag> {
    let mut domain = vec![
        cache_tags::posts(),
        cache_tags::post(id),
        cache_tags::user(author),
    ];
    domain.extend(categories.iter().map(|c| cache_tags::category(*c)));
    domain.extend(names.iter().map(|n| cache_tags::tag_name(n)));
    domain
}
