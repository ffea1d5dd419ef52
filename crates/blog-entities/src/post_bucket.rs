//! `post_buckets`: how many posts each run of 1,000 ids holds, so that a deep
//! page of all posts is found without walking the posts before it.

use sea_orm::entity::prelude::*;

/// The posts whose ids are `bucket * 1000 ..= bucket * 1000 + 999`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post_buckets")]
pub struct Model {
    /// `id / 1000` of its posts.
    #[sea_orm(primary_key, auto_increment = false)]
    pub bucket: i32,
    /// How many posts it holds (a counter cache, kept by the writes).
    pub post_count: i64,
}

impl ActiveModelBehavior for ActiveModel {}
