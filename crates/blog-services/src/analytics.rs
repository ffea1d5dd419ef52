//! Daily counts of page views and new posts, kept in the Redis hash
//! `analytics:daily` (fields `2026-11-25:page_views`, `...:new_posts`), or in
//! process without Redis. Counting is an in-memory increment; a background
//! flush adds the counts to the hash, so a page view costs no round trip.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use serde::Serialize;

use crate::cache::Cache;

/// The hash the counts live in.
pub const DEFAULT_KEY: &str = "analytics:daily";

/// How many days (today included) the dashboard shows.
pub const DAYS_SHOWN: i64 = 30;

/// One day's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DailyCounts {
    pub page_views: i64,
    pub new_posts: i64,
}

/// Counts per day (`YYYY-MM-DD`, UTC), oldest first.
pub type Daily = BTreeMap<String, DailyCounts>;

/// Counts page views and new posts; clone it freely (shared state).
#[derive(Debug, Clone)]
pub struct Analytics {
    cache: Cache,
    key: String,
    pending: Arc<Mutex<HashMap<String, i64>>>,
}

impl Analytics {
    /// Counts into the hash `key` of `cache`'s backend.
    pub fn new(cache: Cache, key: impl Into<String>) -> Self {
        Analytics {
            cache,
            key: key.into(),
            pending: Arc::default(),
        }
    }

    /// One page view, today.
    pub fn page_view(&self) {
        self.add("page_views");
    }

    /// One new post, today.
    pub fn new_post(&self) {
        self.add("new_posts");
    }

    fn add(&self, what: &str) {
        let field = format!("{}:{what}", Utc::now().format("%Y-%m-%d"));
        *self
            .pending
            .lock()
            .expect("pending lock")
            .entry(field)
            .or_insert(0) += 1;
    }

    /// Adds the pending counts to the hash; kept for the next flush if the
    /// backend is unreachable.
    pub async fn flush(&self) {
        let pending: Vec<(String, i64)> =
            self.pending.lock().expect("pending lock").drain().collect();
        if !self.cache.hash_increment(&self.key, &pending).await {
            let mut back = self.pending.lock().expect("pending lock");
            for (field, n) in pending {
                *back.entry(field).or_insert(0) += n;
            }
        }
    }

    /// The last [`DAYS_SHOWN`] days' counts, pending ones included; `None` if
    /// the backend is unreachable.
    pub async fn daily(&self) -> Option<Daily> {
        self.flush().await;
        let hash = self.cache.hash_get_all(&self.key).await?;
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
