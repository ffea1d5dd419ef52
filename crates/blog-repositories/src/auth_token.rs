//! API tokens, looked up by the SHA-256 of the token the client presents.

use blog_entities::{auth_token, user};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityName, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};

use crate::error::During;
use crate::{RepositoryError, Writer};

/// Stores a new token for `user_id`, valid until `expires_at`.
pub async fn insert(
    writer: &mut Writer<impl ConnectionTrait>,
    user_id: i32,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), RepositoryError> {
    auth_token::Entity::insert(auth_token::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    })
    .exec_without_returning(writer.changing(&[auth_token::Entity.table_name()]))
    .await
    .during("storing the token")?;
    Ok(())
}

/// Deletes `user_id`'s expired tokens and all but its `keep` newest live ones,
/// in one statement (before a login adds one more); returns the deleted
/// tokens' hashes.
pub async fn prune(
    writer: &mut Writer<impl ConnectionTrait>,
    user_id: i32,
    now: DateTime<Utc>,
    keep: u64,
) -> Result<Vec<String>, RepositoryError> {
    let newest = auth_token::Entity::find()
        .select_only()
        .column(auth_token::Column::Id)
        .filter(auth_token::Column::UserId.eq(user_id))
        .filter(auth_token::Column::ExpiresAt.gt(now))
        .order_by_desc(auth_token::Column::CreatedAt)
        .order_by_desc(auth_token::Column::Id)
        .limit(keep)
        .into_query();
    auth_token::Entity::delete_many()
        .filter(auth_token::Column::UserId.eq(user_id))
        .filter(
            Condition::any()
                .add(auth_token::Column::ExpiresAt.lte(now))
                .add(auth_token::Column::Id.not_in_subquery(newest)),
        )
        .exec_with_returning(writer.changing(&[auth_token::Entity.table_name()]))
        .await
        .during("deleting old tokens")
        .map(|deleted| deleted.into_iter().map(|token| token.token_hash).collect())
}

/// The user owning an unexpired token with this hash, and when it expires,
/// in one statement.
pub async fn find_user(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(user::Model, DateTime<Utc>)>, RepositoryError> {
    let found = auth_token::Entity::find()
        .find_also_related(user::Entity)
        .filter(auth_token::Column::TokenHash.eq(token_hash))
        .filter(auth_token::Column::ExpiresAt.gt(now))
        .one(conn)
        .await
        .during("looking up the token")?;
    Ok(found.and_then(|(token, user)| user.map(|user| (user, token.expires_at))))
}

/// Deletes the token with this hash; false if there was none.
pub async fn delete(
    writer: &mut Writer<impl ConnectionTrait>,
    token_hash: &str,
) -> Result<bool, RepositoryError> {
    let result = auth_token::Entity::delete_many()
        .filter(auth_token::Column::TokenHash.eq(token_hash))
        .exec(writer.changing(&[auth_token::Entity.table_name()]))
        .await
        .during("revoking the token")?;
    Ok(result.rows_affected > 0)
}
