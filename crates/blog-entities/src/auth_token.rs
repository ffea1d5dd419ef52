//! `auth_tokens`: API tokens, stored as their SHA-256 only.

use sea_orm::entity::prelude::*;

/// A login session for the API. The token itself is never stored.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_tokens")]
pub struct Model {
    /// The token row's id.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Whose token it is.
    pub user_id: i32,
    /// SHA-256 of the token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// When it was issued.
    pub created_at: DateTimeUtc,
    /// After this it no longer works.
    pub expires_at: DateTimeUtc,
    /// Its user.
    #[sea_orm(belongs_to, from = "user_id", to = "id")]
    pub user: BelongsTo<super::user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
