//! The outbox of cache invalidations (`cache_invalidations`). A write records
//! the tags it makes stale in its own transaction, so they commit or vanish
//! with it; whoever applies them to the cache deletes the row afterwards.
//! Rows left behind (Redis was unreachable, the process died) are found by
//! every instance's poller.

use blog_entities::cache_invalidation;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::During;
use crate::{RepositoryError, Writer};

/// One pending row: its id and the tags it invalidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingInvalidation {
    /// The row's id (to delete it once applied).
    pub id: i32,
    /// The tags, as they were recorded.
    pub tags: Vec<String>,
}

/// Records `tags` in the writer's transaction; returns the row's id. The row
/// itself is bookkeeping, not data: it does not count as a changed table.
pub async fn record(
    writer: &mut Writer<impl ConnectionTrait>,
    tags: &[String],
    now: DateTime<Utc>,
) -> Result<i32, RepositoryError> {
    let inserted = cache_invalidation::Entity::insert(cache_invalidation::ActiveModel {
        id: NotSet,
        tags: Set(tags.join("\n")),
        created_at: Set(now),
    })
    .exec(writer.reader())
    .await
    .during("recording the cache invalidation")?;
    Ok(inserted.last_insert_id)
}

/// The oldest `limit` rows not yet applied, oldest first.
pub async fn pending(
    conn: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<PendingInvalidation>, RepositoryError> {
    let rows = cache_invalidation::Entity::find()
        .order_by_asc(cache_invalidation::Column::Id)
        .limit(limit)
        .all(conn)
        .await
        .during("reading the pending cache invalidations")?;
    Ok(rows
        .into_iter()
        .map(|row| PendingInvalidation {
            id: row.id,
            tags: row.tags.lines().map(str::to_owned).collect(),
        })
        .collect())
}

/// Deletes the rows `ids` (their tags reached the cache).
pub async fn remove(conn: &impl ConnectionTrait, ids: &[i32]) -> Result<(), RepositoryError> {
    if ids.is_empty() {
        return Ok(());
    }
    cache_invalidation::Entity::delete_many()
        .filter(cache_invalidation::Column::Id.is_in(ids.iter().copied()))
        .exec(conn)
        .await
        .during("deleting applied cache invalidations")?;
    Ok(())
}
