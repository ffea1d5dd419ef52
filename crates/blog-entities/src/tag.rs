//! `tags`: free-form labels, many per post.

use sea_orm::entity::prelude::*;

/// A tag, addressed by its unique name (`/blog/?tag=NAME`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tags")]
pub struct Model {
    /// The tag's id.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Its unique name.
    #[sea_orm(unique)]
    pub name: String,
    /// Posts carrying it, kept by the writes that change them (a counter cache).
    pub post_count: i64,
    /// The posts carrying it.
    #[sea_orm(has_many, via = "post_tag")]
    pub posts: HasMany<super::post::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
