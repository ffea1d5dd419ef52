//! `comments`: readers' comments; only approved ones are shown.

use sea_orm::entity::prelude::*;

/// A comment on a post. New comments wait for the post author's approval.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    /// The comment's id.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The post it is about.
    pub post_id: i32,
    /// Its author.
    pub user_id: i32,
    /// What it says.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// Shown on pages only once the post's author approved it.
    pub is_approved: bool,
    /// When it was written.
    pub created_at: DateTimeUtc,
    /// The post.
    #[sea_orm(belongs_to, from = "post_id", to = "id")]
    pub post: BelongsTo<super::post::Entity>,
    /// The author.
    #[sea_orm(belongs_to, from = "user_id", to = "id")]
    pub author: BelongsTo<super::user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
