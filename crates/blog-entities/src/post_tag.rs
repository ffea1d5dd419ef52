//! `post_tags`: the junction between posts and tags.

use sea_orm::entity::prelude::*;

/// One (post, tag) link; the pair is the primary key.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post_tags")]
pub struct Model {
    /// The post.
    #[sea_orm(primary_key, auto_increment = false)]
    pub post_id: i32,
    /// The tag.
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag_id: i32,
    /// The post.
    #[sea_orm(belongs_to, from = "post_id", to = "id")]
    pub post: BelongsTo<super::post::Entity>,
    /// The tag.
    #[sea_orm(belongs_to, from = "tag_id", to = "id")]
    pub tag: BelongsTo<super::tag::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
