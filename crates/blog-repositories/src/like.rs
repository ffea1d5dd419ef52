//! Likes: at most one per (post, user), so liking twice changes nothing.

use blog_entities::{like, post};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityName, EntityTrait, QueryFilter, QuerySelect,
    TryInsertResult,
};

use crate::error::During;
use crate::{RepositoryError, Writer};

/// Records that `user_id` likes `post_id`; false if it already did.
pub async fn add(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, RepositoryError> {
    let result = like::Entity::insert(like::ActiveModel {
        id: NotSet,
        post_id: Set(post_id),
        user_id: Set(user_id),
        created_at: Set(now),
    })
    .on_conflict_do_nothing_on([like::Column::PostId, like::Column::UserId])
    .exec_without_returning(writer.changing(&[like::Entity.table_name()]))
    .await
    .during("adding the like")?;
    Ok(matches!(result, TryInsertResult::Inserted(n) if n > 0))
}

/// Withdraws `user_id`'s like of `post_id`; false if there was none.
pub async fn remove(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    user_id: i32,
) -> Result<bool, RepositoryError> {
    let result = like::Entity::delete_many()
        .filter(like::Column::PostId.eq(post_id))
        .filter(like::Column::UserId.eq(user_id))
        .exec(writer.changing(&[like::Entity.table_name()]))
        .await
        .during("removing the like")?;
    Ok(result.rows_affected > 0)
}

/// How many users like `post_id`: its counter cache, one row read (0 if
/// there is no such post).
pub async fn count(conn: &impl ConnectionTrait, post_id: i32) -> Result<i64, RepositoryError> {
    let n: Option<i64> = post::Entity::find_by_id(post_id)
        .select_only()
        .column(post::Column::LikeCount)
        .into_tuple()
        .one(conn)
        .await
        .during("reading the like count")?;
    Ok(n.unwrap_or(0))
}
