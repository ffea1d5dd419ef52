//! `cache_invalidations`: the outbox of cache invalidations, one row per
//! committed write whose tags Redis may not have yet.

use sea_orm::entity::prelude::*;

/// The cache tags one committed write made stale.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cache_invalidations")]
pub struct Model {
    /// The row's id.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The tags, one per line.
    pub tags: String,
    /// When the write committed (for the age of the oldest pending row).
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
