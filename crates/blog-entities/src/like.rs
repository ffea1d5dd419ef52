//! `likes`: at most one per (post, user).

use sea_orm::entity::prelude::*;

/// A user's like of a post; a unique index on (post_id, user_id) keeps it single.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "likes")]
pub struct Model {
    /// The like's id.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The post liked.
    pub post_id: i32,
    /// Who likes it.
    pub user_id: i32,
    /// When.
    pub created_at: DateTimeUtc,
    /// The post.
    #[sea_orm(belongs_to, from = "post_id", to = "id")]
    pub post: BelongsTo<super::post::Entity>,
    /// The user.
    #[sea_orm(belongs_to, from = "user_id", to = "id")]
    pub user: BelongsTo<super::user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
