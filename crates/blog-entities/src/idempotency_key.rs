//! `idempotency_keys`: the first response to each `Idempotency-Key` a user
//! sent, so a retried write returns it instead of writing twice.

use sea_orm::entity::prelude::*;

/// One key of one user.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// Whose key it is: keys of different users never meet.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    /// The key as the client sent it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 of the request it came with: the same key with another request
    /// is refused.
    pub request_hash: String,
    /// The stored response (the service's own encoding).
    pub response: Option<String>,
    /// When the key was first used; after 24 hours it may be used afresh.
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
