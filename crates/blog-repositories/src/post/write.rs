//! Writing posts: create, update, delete, and their tag links. Callers run these
//! through one [`Writer`] and invalidate the tables it reports after the commit.
//! Each keeps the list sizes (`categories.post_count`, `tags.post_count`) in
//! step, in the same transaction; an update or delete first locks the post's
//! row, so that two writes to one post never count from the same old state.

use blog_entities::{comment, like, post, post_tag, tag};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityName, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, StatementBuilder,
};

use super::card::{self, KeptList};
use super::position;
use crate::counters::{self, PostCountChanges};
use crate::error::During;
use crate::{RepositoryError, Writer};

/// The columns a client writes (word count derived by the service).
#[derive(Debug, Clone)]
pub struct PostFields {
    /// The category it is filed under.
    pub category_id: i32,
    /// The title, trimmed.
    pub title: String,
    /// The one-line summary: on create, empty if `None`; on update, kept if
    /// `None` (the service's own API has no such field).
    pub description: Option<String>,
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
    Ok(author_of(conn, id).await?.is_some())
}

/// The author of post `id`, if it exists.
pub async fn author_of(
    conn: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<i32>, RepositoryError> {
    post::Entity::find_by_id(id)
        .select_only()
        .column(post::Column::UserId)
        .into_tuple()
        .one(conn)
        .await
        .during("looking up the post")
}

/// Inserts a post by `user_id` and gives it the slug `slug_of` makes from
/// its id; returns the id.
pub async fn create(
    writer: &mut Writer<impl ConnectionTrait>,
    user_id: i32,
    fields: PostFields,
    slug_of: impl FnOnce(i32) -> String,
    now: DateTime<Utc>,
) -> Result<i32, RepositoryError> {
    let inserted = post::Entity::insert(post::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        category_id: Set(fields.category_id),
        title: Set(fields.title),
        // Unique once the id is known: set just below, in this transaction.
        slug: Set(String::new()),
        description: Set(fields.description.unwrap_or_default()),
        content: Set(fields.content),
        word_count: Set(fields.word_count),
        view_count: Set(0),
        comment_count: Set(0),
        like_count: Set(0),
        tag_names: Set("[]".to_owned()),
        newest_comments: Set("[]".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(writer.changing(&[post::Entity.table_name()]))
    .await
    .during("inserting the post")?;
    let id = inserted.last_insert_id;
    post::Entity::update_many()
        .col_expr(post::Column::Slug, slug_of(id).into())
        .filter(post::Column::Id.eq(id))
        .exec(writer.changing(&[post::Entity.table_name()]))
        .await
        .during("naming the post")?;
    let filed = PostCountChanges::default().gained([fields.category_id]);
    counters::change_category_posts(writer, &filed).await?;
    position::change(writer, id, 1).await?;
    Ok(id)
}

/// Locks post `id`'s row for the rest of the transaction; returns its
/// category, or `None` if there is no such post. A write that changes
/// nothing (`SET updated_at = updated_at`), not `SELECT ... FOR UPDATE`:
/// SQLite has no row locks, and a transaction there that reads before it
/// writes fails when another writer came in between; a write first waits.
async fn lock(
    writer: &mut Writer<impl ConnectionTrait>,
    id: i32,
) -> Result<Option<i32>, RepositoryError> {
    const OPERATION: &str = "locking the post";
    let touch = Query::update()
        .table(post::Entity)
        .value(post::Column::UpdatedAt, Expr::col(post::Column::UpdatedAt))
        .and_where(Expr::col(post::Column::Id).eq(id))
        .returning_col(post::Column::CategoryId)
        .to_owned();
    let conn = writer.changing(&[post::Entity.table_name()]);
    let statement = StatementBuilder::build(&touch, &conn.get_database_backend());
    match conn.query_one_raw(statement).await.during(OPERATION)? {
        Some(row) => Ok(Some(row.try_get_by_index(0).during(OPERATION)?)),
        None => Ok(None),
    }
}

/// Overwrites the client-written columns of post `id`.
pub async fn update(
    writer: &mut Writer<impl ConnectionTrait>,
    id: i32,
    fields: PostFields,
    now: DateTime<Utc>,
) -> Result<(), RepositoryError> {
    let Some(old_category) = lock(writer, id).await? else {
        return Ok(());
    };
    if old_category != fields.category_id {
        let moved = PostCountChanges::default()
            .lost([old_category])
            .gained([fields.category_id]);
        counters::change_category_posts(writer, &moved).await?;
    }
    let mut update = post::Entity::update_many();
    if let Some(description) = fields.description {
        update = update.col_expr(post::Column::Description, description.into());
    }
    update
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
    let Some(category) = lock(writer, id).await? else {
        return Ok(());
    };
    let tag_ids = linked_tag_ids(writer.reader(), id).await?;
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
    let unfiled = PostCountChanges::default().lost([category]);
    counters::change_category_posts(writer, &unfiled).await?;
    let untagged = PostCountChanges::default().lost(tag_ids);
    counters::change_tag_posts(writer, &untagged).await?;
    position::change(writer, id, -1).await
}

/// The ids of the tags linked to post `id`.
async fn linked_tag_ids(
    conn: &impl ConnectionTrait,
    post_id: i32,
) -> Result<Vec<i32>, RepositoryError> {
    post_tag::Entity::find()
        .select_only()
        .column(post_tag::Column::TagId)
        .filter(post_tag::Column::PostId.eq(post_id))
        .into_tuple()
        .all(conn)
        .await
        .during("reading the post's tags")
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

/// Makes `tag_ids` the post's tags, exactly: links only what changed, and
/// counts the change in the tags' post counts.
async fn replace_tags(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    tag_ids: &[i32],
) -> Result<(), RepositoryError> {
    const OPERATION: &str = "linking the post's tags";
    let old = linked_tag_ids(writer.reader(), post_id).await?;
    let removed: Vec<i32> = old
        .iter()
        .copied()
        .filter(|t| !tag_ids.contains(t))
        .collect();
    let added: Vec<i32> = tag_ids
        .iter()
        .copied()
        .filter(|t| !old.contains(t))
        .collect();
    let links = writer.changing(&[post_tag::Entity.table_name()]);
    if !removed.is_empty() {
        post_tag::Entity::delete_many()
            .filter(post_tag::Column::PostId.eq(post_id))
            .filter(post_tag::Column::TagId.is_in(removed.iter().copied()))
            .exec(links)
            .await
            .during(OPERATION)?;
    }
    if !added.is_empty() {
        let rows = added.iter().map(|&tag_id| post_tag::ActiveModel {
            post_id: Set(post_id),
            tag_id: Set(tag_id),
        });
        post_tag::Entity::insert_many(rows)
            .exec_without_returning(links)
            .await
            .during(OPERATION)?;
    }
    if added.is_empty() && removed.is_empty() {
        return Ok(());
    }
    let changes = PostCountChanges::default().gained(added).lost(removed);
    counters::change_tag_posts(writer, &changes).await?;
    card::refresh(writer, post_id, &[KeptList::TagNames]).await
}
