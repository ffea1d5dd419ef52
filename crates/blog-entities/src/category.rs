//! `categories`: every post belongs to exactly one.

use sea_orm::entity::prelude::*;

/// A post category (Django, Rust, ...).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "categories")]
pub struct Model {
    /// The category's id (1..5 in the dataset).
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Its unique name.
    #[sea_orm(unique)]
    pub name: String,
    /// Its posts, kept by the writes that change them (a counter cache).
    pub post_count: i64,
    /// Its posts.
    #[sea_orm(has_many)]
    pub posts: HasMany<super::post::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
