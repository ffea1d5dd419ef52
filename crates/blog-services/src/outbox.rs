//! Durable invalidation. Every write records the cache tags it makes stale in
//! the outbox table, inside its own transaction ([`Outbox::record`]); after
//! the commit the writer applies them to the cache and deletes the row
//! ([`Outbox::apply`]). When that fails (Redis slow or cut at that moment, the
//! process killed), the row stays, and every instance's poller applies the
//! rows it finds about twice a second ([`Outbox::spawn_poller`]), and before
//! this process reads Redis again after a failure ([`Cache::resync`]).
//!
//! The guarantee: on the writing instance a write is visible at once (after
//! a failed bump it reads nothing from Redis until the outbox is applied); on
//! every other instance within one poll interval plus a Redis round trip; and
//! no invalidation is lost across restarts, since the rows outlive processes.

use std::time::Duration;

use blog_repositories::outbox::{self, PendingInvalidation};
use blog_repositories::{DbPool, DbTransaction, RepositoryError, Writer, idempotency};
use chrono::Utc;
use tokio::task::JoinHandle;

use crate::ServiceError;
use crate::cache::{Cache, Tag};
use crate::cache_tags;
use crate::idempotency::IDEMPOTENCY_WINDOW;

/// Rows read per batch (a poll drains the backlog batch by batch).
const ROWS_PER_POLL: u64 = 200;

/// Expired idempotency keys are deleted once per this many polls.
const POLLS_PER_PRUNE: u64 = 1200;

/// The outbox over the service's pool and cache; cheap to clone.
#[derive(Debug, Clone)]
pub struct Outbox {
    db: DbPool,
    cache: Cache,
}

/// A recorded invalidation, to apply once its transaction has committed.
/// Dropped unapplied (the commit failed, when it may have gone through all
/// the same, or the request was cancelled after it), it makes the cache read
/// nothing from Redis until the next poll has applied the row: the writing
/// instance never shows a page from before its own write.
#[derive(Debug)]
#[must_use = "apply it after the commit"]
pub struct Recorded {
    id: i32,
    tags: Vec<Tag>,
    cache: Cache,
    applied: bool,
}

impl Drop for Recorded {
    fn drop(&mut self) {
        if !self.applied {
            self.cache.distrust();
        }
    }
}

impl Outbox {
    /// The outbox of `db`, applied to `cache`. Until its first successful
    /// [`Outbox::poll`] the cache reads nothing from Redis: rows may be pending
    /// from before this process started.
    pub fn new(db: DbPool, cache: Cache) -> Self {
        cache.distrust();
        Outbox { db, cache }
    }

    /// Records what the writer's statements so far and `domain` invalidate,
    /// in the writer's transaction.
    pub(crate) async fn record(
        &self,
        writer: &mut Writer<DbTransaction>,
        domain: impl IntoIterator<Item = Tag>,
    ) -> Result<Recorded, ServiceError> {
        let tags = cache_tags::after_write(&writer.changed(), domain);
        let id = record_tags(writer, &tags).await?;
        Ok(Recorded {
            id,
            tags,
            cache: self.cache.clone(),
            applied: false,
        })
    }

    /// Records what `writer` changed and `domain` in the outbox, commits,
    /// then applies the invalidation (which cannot fail the write).
    pub(crate) async fn commit(
        &self,
        mut writer: Writer<DbTransaction>,
        domain: impl IntoIterator<Item = Tag>,
    ) -> Result<(), ServiceError> {
        let recorded = self.record(&mut writer, domain).await?;
        writer.commit().await?;
        self.apply(recorded).await;
        Ok(())
    }

    /// Applies a committed write's invalidation and deletes its row. Never
    /// fails the write: a row left behind is applied by the next poll.
    pub(crate) async fn apply(&self, mut recorded: Recorded) {
        // A failed bump withdraws trust by itself; either way it is handled.
        recorded.applied = true;
        if !self.cache.invalidate_tags(&recorded.tags).await {
            return;
        }
        if let Err(err) = outbox::remove(&self.db, &[recorded.id]).await {
            tracing::warn!(error = %crate::error::chain(&err), "the outbox row stays: the next poll deletes it");
        }
    }

    /// Applies every pending row, a batch at a time; true when each landed.
    pub async fn apply_pending(&self) -> Result<bool, RepositoryError> {
        loop {
            let rows = outbox::pending(&self.db, ROWS_PER_POLL).await?;
            if rows.is_empty() {
                return Ok(true);
            }
            let (ids, tags) = merge(&rows);
            if !self.cache.invalidate_tags(&tags).await {
                return Ok(false);
            }
            outbox::remove(&self.db, &ids).await?;
            tracing::info!(rows = ids.len(), "applied pending cache invalidations");
            if rows.len() < ROWS_PER_POLL as usize {
                return Ok(true);
            }
        }
    }

    /// A write replayed for a repeated `Idempotency-Key`: its first request
    /// may have committed without reaching Redis, so this process reads the
    /// database until the next poll has applied the outbox.
    pub(crate) fn after_replay(&self) {
        self.cache.distrust();
    }

    /// One poll: applies the pending rows and, if all landed, lets the cache
    /// read Redis again after a failure.
    pub async fn poll(&self) -> bool {
        self.cache
            .resync(async {
                match self.apply_pending().await {
                    Ok(done) => done,
                    Err(err) => {
                        tracing::debug!(error = %crate::error::chain(&err), "outbox poll failed");
                        false
                    }
                }
            })
            .await
    }

    /// Polls every `interval`, the first at once. Also deletes expired
    /// idempotency keys now and then.
    pub fn spawn_poller(&self, interval: Duration) -> JoinHandle<()> {
        let outbox = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            for polls in 0u64.. {
                ticker.tick().await;
                outbox.poll().await;
                if polls % POLLS_PER_PRUNE == 0 {
                    outbox.prune_idempotency_keys().await;
                }
            }
        })
    }

    async fn prune_idempotency_keys(&self) {
        let cutoff = Utc::now() - IDEMPOTENCY_WINDOW;
        if let Err(err) = idempotency::prune(&self.db, cutoff).await {
            tracing::debug!(error = %crate::error::chain(&err), "pruning idempotency keys failed");
        }
    }
}

/// Writes an outbox row of `tags` in the writer's transaction; its id.
pub(crate) async fn record_tags(
    writer: &mut Writer<DbTransaction>,
    tags: &[Tag],
) -> Result<i32, RepositoryError> {
    let stored: Vec<String> = tags.iter().map(|t| t.as_stored().to_owned()).collect();
    outbox::record(writer, &stored, Utc::now()).await
}

/// The rows' ids, and their tags merged into one bump.
fn merge(rows: &[PendingInvalidation]) -> (Vec<i32>, Vec<Tag>) {
    let ids = rows.iter().map(|row| row.id).collect();
    let mut stored: Vec<String> = rows.iter().flat_map(|row| row.tags.clone()).collect();
    stored.sort();
    stored.dedup();
    (ids, stored.iter().map(|s| Tag::from_stored(s)).collect())
}
