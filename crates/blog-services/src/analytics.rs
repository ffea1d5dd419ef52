//! Daily counts of page views and new posts, kept in the Redis hash
//! `analytics:daily` (fields `2026-11-25:page_views`, `...:new_posts`) whenever
//! `REDIS_URL` is set, or in process without it. Counting is an in-memory increment; a background
//! flush adds the counts to the hash, so a page view costs no round trip.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, Utc};

use crate::redis::{RedisFailure, RedisPool};

/// How many days (today included) the dashboard shows.
pub const DAYS_SHOWN: i64 = 30;

/// The `analytics` section of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyticsConfig {
    /// The Redis hash the counts live in.
    pub key: String,
    /// How often the counts of this process are added to the hash.
    pub flush_interval: Duration,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        AnalyticsConfig {
            key: "analytics:daily".into(),
            flush_interval: Duration::from_secs(2),
        }
    }
}

/// One day's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DailyCounts {
    /// Pages served.
    pub page_views: i64,
    /// Posts published.
    pub new_posts: i64,
}

/// Counts per day (`YYYY-MM-DD`, UTC), oldest first.
pub type Daily = BTreeMap<String, DailyCounts>;

/// Where the counts are added up.
#[derive(Debug, Clone)]
enum Counters {
    /// The Redis hash, shared by every process.
    Redis(RedisPool),
    /// A map in this process (no Redis configured).
    Local(Arc<Mutex<HashMap<String, i64>>>),
}

/// Which Redis connection a flush uses.
#[derive(Debug, Clone, Copy)]
enum Connection {
    Pooled,
    New,
}

/// A counter not yet flushed: its day and what it counts (`page_views`,
/// `new_posts`); the hash field is `{day}:{what}`, made at the flush only.
type PendingField = (NaiveDate, &'static str);

/// Counts page views and new posts; clone it freely (shared state).
#[derive(Debug, Clone)]
pub struct Analytics {
    counters: Counters,
    key: String,
    pending: Arc<Mutex<HashMap<PendingField, i64>>>,
}

impl Analytics {
    /// Counts into `config.key` on `redis`, or in process without it.
    pub fn new(config: &AnalyticsConfig, redis: Option<&RedisPool>) -> Self {
        let counters = match redis {
            Some(pool) => Counters::Redis(pool.clone()),
            None => Counters::Local(Arc::default()),
        };
        Analytics {
            counters,
            key: config.key.clone(),
            pending: Arc::default(),
        }
    }

    /// One page view, today.
    pub fn page_view(&self) {
        self.count("page_views");
    }

    /// One new post, today.
    pub fn new_post(&self) {
        self.count("new_posts");
    }

    fn count(&self, what: &'static str) {
        let day = Utc::now().date_naive();
        *self.lock_pending().entry((day, what)).or_insert(0) += 1;
    }

    /// Adds the pending counts to the hash; kept for the next flush if Redis
    /// is unreachable.
    pub async fn flush(&self) {
        self.flush_with(Connection::Pooled).await;
    }

    /// The last flush, as the process stops: on a connection of its own, since
    /// the pooled ones died with the server's workers.
    pub async fn flush_on_exit(&self) {
        self.flush_with(Connection::New).await;
        if !self.lock_pending().is_empty() {
            tracing::warn!("page-view counts lost at exit: Redis did not take them");
        }
    }

    async fn flush_with(&self, connection: Connection) {
        let pending: Vec<(PendingField, i64)> = self.lock_pending().drain().collect();
        if pending.is_empty() {
            return;
        }
        let increments: Vec<(String, i64)> = pending
            .iter()
            .map(|((day, what), n)| (format!("{day}:{what}"), *n))
            .collect();
        if let Err(err) = self.increment(&increments, connection).await {
            tracing::debug!(error = %err, "analytics counts kept for the next flush");
            let mut back = self.lock_pending();
            for (field, n) in pending {
                *back.entry(field).or_insert(0) += n;
            }
        }
    }

    /// Adds `increments` to the counters (`HINCRBY` on Redis).
    async fn increment(
        &self,
        increments: &[(String, i64)],
        connection: Connection,
    ) -> Result<(), RedisFailure> {
        let add = async |conn: &mut redis::aio::MultiplexedConnection| {
            let mut pipe = redis::pipe();
            for (field, n) in increments {
                pipe.hincr(&self.key, field, *n).ignore();
            }
            pipe.query_async::<()>(conn).await
        };
        match &self.counters {
            Counters::Redis(pool) => match connection {
                Connection::Pooled => pool.run(add).await,
                Connection::New => pool.run_on_new_connection(add).await,
            },
            Counters::Local(map) => {
                let mut map = map.lock().expect("the counters lock is never poisoned");
                for (field, n) in increments {
                    *map.entry(field.clone()).or_insert(0) += n;
                }
                Ok(())
            }
        }
    }

    /// Every counter of the hash.
    async fn all(&self) -> Result<HashMap<String, i64>, RedisFailure> {
        match &self.counters {
            Counters::Redis(pool) => {
                pool.run(async |conn| redis::cmd("HGETALL").arg(&self.key).query_async(conn).await)
                    .await
            }
            Counters::Local(map) => Ok(map
                .lock()
                .expect("the counters lock is never poisoned")
                .clone()),
        }
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, HashMap<PendingField, i64>> {
        self.pending
            .lock()
            .expect("the pending-counts lock is never poisoned")
    }

    /// The last [`DAYS_SHOWN`] days' counts, pending ones included; `None` if
    /// Redis is unreachable.
    pub async fn daily(&self) -> Option<Daily> {
        self.flush().await;
        let hash = match self.all().await {
            Ok(hash) => hash,
            Err(err) => {
                tracing::warn!(error = %err, "analytics unavailable");
                return None;
            }
        };
        let first = (Utc::now() - chrono::Duration::days(DAYS_SHOWN - 1))
            .format("%Y-%m-%d")
            .to_string();
        let mut days = Daily::new();
        for (field, n) in hash {
            let Some((day, what)) = field.split_once(':') else {
                continue;
            };
            if day < first.as_str() {
                continue;
            }
            let counts = days.entry(day.to_owned()).or_default();
            match what {
                "page_views" => counts.page_views += n,
                "new_posts" => counts.new_posts += n,
                _ => {}
            }
        }
        Some(days)
    }
}
