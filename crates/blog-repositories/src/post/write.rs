//! Writing posts: create, update, delete, and their tag links. Callers run these
//! through one [`Writer`] and invalidate the tables it reports after the commit.

use blog_entities::{comment, like, post, post_tag, tag};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityName, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};

use crate::error::During;
use crate::{RepositoryError, Writer};

/// The columns a client writes (word count derived by the service).
#[derive(Debug, Clone)]
pub struct PostFields {
    /// The category it is filed under.
    pub category_id: i32,
    /// The title, trimmed.
    pub title: String,
    /// The content as written.
    pub content: String,
    /// Words of the content.
    pub word_count: i32,
}

/// Who owns a post and what it is filed under: for authorization, and for the
/// cache tags a write must invalidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostOwnership {
    /// The post's id.
    pub id: i32,
    /// Its author.
    pub user_id: i32,
    /// Its category.
    pub category_id: i32,
    /// Its tag names, alphabetical.
    pub tags: Vec<String>,
}

/// The owner, category and tag names of a post, in 2 statements; `None` if absent.
pub async fn find_ownership(
    conn: &impl ConnectionTrait,
    post_id: i32,
) -> Result<Option<PostOwnership>, RepositoryError> {
    const OPERATION: &str = "looking up the post's owner";
    let row: Option<(i32, i32, i32)> = post::Entity::find_by_id(post_id)
        .select_only()
        .columns([
            post::Column::Id,
            post::Column::UserId,
            post::Column::CategoryId,
        ])
        .into_tuple()
        .one(conn)
        .await
        .during(OPERATION)?;
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
        .all(conn)
        .await
        .during(OPERATION)?;
    Ok(Some(PostOwnership {
        id,
        user_id,
        category_id,
        tags,
    }))
}

/// Whether post `id` exists.
pub async fn exists(conn: &impl ConnectionTrait, id: i32) -> Result<bool, RepositoryError> {
    let found: Option<i32> = post::Entity::find_by_id(id)
        .select_only()
        .column(post::Column::Id)
        .into_tuple()
        .one(conn)
        .await
        .during("looking up the post")?;
    Ok(found.is_some())
}

/// Inserts a post by `user_id`; returns its id.
pub async fn create(
    writer: &mut Writer<impl ConnectionTrait>,
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
    .exec(writer.changing(&[post::Entity.table_name()]))
    .await
    .during("inserting the post")?;
    Ok(inserted.last_insert_id)
}

/// Overwrites the client-written columns of post `id`.
pub async fn update(
    writer: &mut Writer<impl ConnectionTrait>,
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
        .exec(writer.changing(&[post::Entity.table_name()]))
        .await
        .during("updating the post")?;
    Ok(())
}

/// Deletes post `id`; its comments, likes and tag links go with it (the
/// foreign keys cascade).
pub async fn delete(
    writer: &mut Writer<impl ConnectionTrait>,
    id: i32,
) -> Result<(), RepositoryError> {
    let cascade = [
        post::Entity.table_name(),
        comment::Entity.table_name(),
        like::Entity.table_name(),
        post_tag::Entity.table_name(),
    ];
    post::Entity::delete_by_id(id)
        .exec(writer.changing(&cascade))
        .await
        .during("deleting the post")?;
    Ok(())
}

/// Makes the tags named `names` the post's tags, exactly, creating unknown names.
pub async fn set_tag_names(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    names: &[String],
) -> Result<(), RepositoryError> {
    let tag_ids: Vec<i32> = crate::tag::ensure(writer, names)
        .await?
        .iter()
        .map(|t| t.id)
        .collect();
    replace_tags(writer, post_id, &tag_ids).await
}

/// Makes `tag_ids` the post's tags, exactly.
async fn replace_tags(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    tag_ids: &[i32],
) -> Result<(), RepositoryError> {
    const OPERATION: &str = "linking the post's tags";
    let links = writer.changing(&[post_tag::Entity.table_name()]);
    post_tag::Entity::delete_many()
        .filter(post_tag::Column::PostId.eq(post_id))
        .exec(links)
        .await
        .during(OPERATION)?;
    if tag_ids.is_empty() {
        return Ok(());
    }
    let rows = tag_ids.iter().map(|&tag_id| post_tag::ActiveModel {
        post_id: Set(post_id),
        tag_id: Set(tag_id),
    });
    post_tag::Entity::insert_many(rows)
        .exec_without_returning(links)
        .await
        .during(OPERATION)?;
    Ok(())
}
