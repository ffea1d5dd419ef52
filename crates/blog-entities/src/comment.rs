//! `comments`: readers' comments; only approved ones are shown.

use sea_orm::entity::prelude::*;

/// A comment on a post. New comments wait for the post author's approval.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub post_id: i32,
    pub user_id: i32,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub is_approved: bool,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "post_id", to = "id")]
    pub post: BelongsTo<super::post::Entity>,
    #[sea_orm(belongs_to, from = "user_id", to = "id")]
    pub author: BelongsTo<super::user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
