//! `Idempotency-Key`s: a write claims its key in its own transaction, and
//! stores its response there too, so the key and the write commit together or
//! not at all. A second request with the key waits for the first to commit (the
//! row is locked), then finds its response.

use blog_entities::idempotency_key;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::During;
use crate::{RepositoryError, Writer};

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or its last use expired): the write goes ahead.
    Fresh,
    /// The key was used already, with this request and this response.
    Used {
        /// SHA-256 of the first request.
        request_hash: String,
        /// Its stored response.
        response: Option<String>,
    },
}

/// Claims `key` of `user_id` for a request hashing to `request_hash`, in the
/// writer's transaction. A use before `expired_before` no longer counts.
pub async fn claim(
    writer: &mut Writer<impl ConnectionTrait>,
    user_id: i32,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
    expired_before: DateTime<Utc>,
) -> Result<Claim, RepositoryError> {
    use idempotency_key::Column;
    let conflict = OnConflict::columns([Column::UserId, Column::Key])
        .update_columns([Column::RequestHash, Column::Response, Column::CreatedAt])
        .action_and_where(
            Expr::col((idempotency_key::Entity, Column::CreatedAt)).lt(expired_before),
        )
        .to_owned();
    let claimed = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        user_id: Set(user_id),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        response: Set(None),
        created_at: Set(now),
    })
    .on_conflict(conflict)
    .exec_without_returning(writer.reader())
    .await
    .during("claiming the idempotency key")?;
    if claimed > 0 {
        return Ok(Claim::Fresh);
    }
    let used = idempotency_key::Entity::find_by_id((user_id, key.to_owned()))
        .one(writer.reader())
        .await
        .during("reading the idempotency key")?;
    Ok(match used {
        Some(row) => Claim::Used {
            request_hash: row.request_hash,
            response: row.response,
        },
        // Pruned between the two statements: the caller asks for a retry.
        None => Claim::Used {
            request_hash: request_hash.to_owned(),
            response: None,
        },
    })
}

/// Stores the response to the request that claimed `key`, in its transaction.
pub async fn store_response(
    writer: &mut Writer<impl ConnectionTrait>,
    user_id: i32,
    key: &str,
    response: String,
) -> Result<(), RepositoryError> {
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::Response, Expr::value(response))
        .filter(idempotency_key::Column::UserId.eq(user_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(writer.reader())
        .await
        .during("storing the idempotent response")?;
    Ok(())
}

/// Deletes the keys first used before `expired_before`.
pub async fn prune(
    conn: &impl ConnectionTrait,
    expired_before: DateTime<Utc>,
) -> Result<u64, RepositoryError> {
    let deleted = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(expired_before))
        .exec(conn)
        .await
        .during("deleting expired idempotency keys")?;
    Ok(deleted.rows_affected)
}
