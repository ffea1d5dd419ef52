//! The in-process backend (moka): the embedded default's cache, and the tests'
//! when no Redis is given.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::future::Cache as Moka;

use super::Lookup;

/// A value and how long it may live.
#[derive(Clone)]
struct Entry {
    bytes: Arc<Vec<u8>>,
    ttl: Duration,
}

/// Each entry lives for its own TTL.
struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, entry: &Entry, _now: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// Values in a bounded moka cache; tag versions in a map (one counter per tag
/// ever invalidated: as many as posts, users, categories and tags).
pub(super) struct MemoryStore {
    values: Moka<String, Entry>,
    versions: Mutex<HashMap<String, u64>>,
}

impl MemoryStore {
    /// A store holding at most `capacity` bytes of values.
    pub(super) fn new(capacity: u64) -> Self {
        MemoryStore {
            values: Moka::builder()
                .max_capacity(capacity)
                .weigher(|key: &String, entry: &Entry| {
                    u32::try_from(key.len() + entry.bytes.len()).unwrap_or(u32::MAX)
                })
                .expire_after(PerEntryTtl)
                .build(),
            versions: Mutex::new(HashMap::new()),
        }
    }

    pub(super) async fn lookup(&self, base: &str, tag_keys: &[String]) -> Lookup {
        let key = {
            let versions = self.versions.lock().expect("versions lock");
            let parts: Vec<String> = tag_keys
                .iter()
                .map(|t| versions.get(t).copied().unwrap_or(0).to_string())
                .collect();
            format!("{base}@{}", parts.join("."))
        };
        let value = self
            .values
            .get(&key)
            .await
            .map(|e| e.bytes.as_ref().clone());
        Lookup { key, value }
    }

    pub(super) async fn set(&self, key: &str, bytes: Vec<u8>, ttl: Duration) {
        let entry = Entry {
            bytes: Arc::new(bytes),
            ttl,
        };
        self.values.insert(key.to_owned(), entry).await;
    }

    pub(super) fn bump(&self, tag_keys: &[String]) {
        let mut versions = self.versions.lock().expect("versions lock");
        for key in tag_keys {
            *versions.entry(key.clone()).or_insert(0) += 1;
        }
    }
}
