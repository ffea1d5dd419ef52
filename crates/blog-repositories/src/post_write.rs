//! Writing posts: create, update, delete, and their tag links. Callers run these
//! inside one transaction and invalidate the cache after it commits.

use blog_entities::{post, post_tag, tag};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};

use crate::RepositoryError;

/// The columns a client writes (word count derived by the service).
#[derive(Debug, Clone)]
pub struct PostFields {
    pub category_id: i32,
    pub title: String,
    pub content: String,
    pub word_count: i32,
}

/// Who owns a post and what it is filed under: for authorization, and for the
/// cache tags a write must invalidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostOwnership {
    pub id: i32,
    pub user_id: i32,
    pub category_id: i32,
    pub tags: Vec<String>,
}

/// The owner, category and tag names of a post, in 2 statements; `None` if absent.
pub async fn find_ownership(
    db: &impl ConnectionTrait,
    post_id: i32,
) -> Result<Option<PostOwnership>, RepositoryError> {
    let row: Option<(i32, i32, i32)> = post::Entity::find_by_id(post_id)
        .select_only()
        .columns([
            post::Column::Id,
            post::Column::UserId,
            post::Column::CategoryId,
        ])
        .into_tuple()
        .one(db)
        .await?;
    let Some((id, user_id, category_id)) = row else {
        return Ok(None);
    };
    let tags: Vec<String> = post_tag::Entity::find()
        .select_only()
        .column(tag::Column::Name)
        .join(JoinType::InnerJoin, post_tag::Relation::Tag.def())
        .filter(post_tag::Column::PostId.eq(post_id))
        .order_by_asc(tag::Column::Name)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Some(PostOwnership {
        id,
        user_id,
        category_id,
        tags,
    }))
}

/// Whether post `id` exists.
pub async fn exists(db: &impl ConnectionTrait, id: i32) -> Result<bool, RepositoryError> {
    let found: Option<i32> = post::Entity::find_by_id(id)
        .select_only()
        .column(post::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// Inserts a post by `user_id`; returns its id.
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: i32,
    fields: PostFields,
    now: DateTime<Utc>,
) -> Result<i32, RepositoryError> {
    let inserted = post::Entity::insert(post::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        category_id: Set(fields.category_id),
        title: Set(fields.title),
        content: Set(fields.content),
        word_count: Set(fields.word_count),
        view_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(db)
    .await?;
    Ok(inserted.last_insert_id)
}

/// Overwrites the client-written columns of post `id`.
pub async fn update(
    db: &impl ConnectionTrait,
    id: i32,
    fields: PostFields,
    now: DateTime<Utc>,
) -> Result<(), RepositoryError> {
    post::Entity::update_many()
        .col_expr(post::Column::CategoryId, fields.category_id.into())
        .col_expr(post::Column::Title, fields.title.into())
        .col_expr(post::Column::Content, fields.content.into())
        .col_expr(post::Column::WordCount, fields.word_count.into())
        .col_expr(post::Column::UpdatedAt, now.into())
        .filter(post::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes post `id` (its comments, likes and tag links go with it).
pub async fn delete(db: &impl ConnectionTrait, id: i32) -> Result<(), RepositoryError> {
    post::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Makes the tags named `names` the post's tags, exactly, creating unknown names.
pub async fn set_tag_names(
    db: &impl ConnectionTrait,
    post_id: i32,
    names: &[String],
) -> Result<(), RepositoryError> {
    let tag_ids: Vec<i32> = crate::tag::ensure(db, names)
        .await?
        .iter()
        .map(|t| t.id)
        .collect();
    replace_tags(db, post_id, &tag_ids).await
}

/// Makes `tag_ids` the post's tags, exactly.
pub async fn replace_tags(
    db: &impl ConnectionTrait,
    post_id: i32,
    tag_ids: &[i32],
) -> Result<(), RepositoryError> {
    post_tag::Entity::delete_many()
        .filter(post_tag::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    if tag_ids.is_empty() {
        return Ok(());
    }
    let links = tag_ids.iter().map(|&tag_id| post_tag::ActiveModel {
        post_id: Set(post_id),
        tag_id: Set(tag_id),
    });
    post_tag::Entity::insert_many(links)
        .exec_without_returning(db)
        .await?;
    Ok(())
}
