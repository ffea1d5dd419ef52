//! `users`: authors of posts, comments and likes.

use sea_orm::entity::prelude::*;

/// A registered user; the password is stored as an argon2 PHC string, never in clear.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// The user's id.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The unique login name, shown as the author.
    #[sea_orm(unique)]
    pub username: String,
    /// The address the account signs in with (the RealWorld API's login);
    /// unique whatever its case (an index on `lower(email)`).
    pub email: String,
    /// What the user says about themself, if anything.
    pub bio: Option<String>,
    /// The URL of their picture, if any.
    pub image: Option<String>,
    /// An argon2 PHC string (`$argon2id$...`).
    pub password_hash: String,
    /// Admins may read the monitoring endpoints.
    pub is_admin: bool,
    /// When the account was made.
    pub created_at: DateTimeUtc,
    /// The user's posts.
    #[sea_orm(has_many)]
    pub posts: HasMany<super::post::Entity>,
    /// The user's API tokens.
    #[sea_orm(has_many)]
    pub auth_tokens: HasMany<super::auth_token::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
