//! Values kept decoded in this process under their versioned keys: the whole
//! cache of the embedded default, and the near copy of Redis's values in
//! production, so that a hit costs one small round trip (the tag versions)
//! instead of the value's bytes through Redis, a decode and a copy. A versioned
//! key names one value forever (a write changes the versions, hence the key),
//! so a near copy is never stale; the byte bound and each entry's TTL keep the
//! process small.

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::sync::Cache as Moka;

/// A decoded value, its weight and how long it may live.
#[derive(Clone)]
struct Entry {
    value: Arc<dyn Any + Send + Sync>,
    weight: u32,
    ttl: Duration,
}

/// Each entry lives for its own TTL.
struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, entry: &Entry, _now: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// Decoded values by versioned key, at most `capacity` bytes of them (each
/// weighed by its encoded size).
pub(super) struct NearCache {
    values: Moka<String, Entry>,
}

impl NearCache {
    pub(super) fn new(capacity: u64) -> Self {
        NearCache {
            values: Moka::builder()
                .max_capacity(capacity)
                .weigher(|key: &String, entry: &Entry| {
                    entry
                        .weight
                        .saturating_add(u32::try_from(key.len()).unwrap_or(u32::MAX))
                })
                .expire_after(PerEntryTtl)
                .build(),
        }
    }

    /// A copy of the value under `key`, if it is here and of type `T`.
    pub(super) fn get<T: Clone + 'static>(&self, key: &str) -> Option<T> {
        let entry = self.values.get(key)?;
        entry.value.downcast_ref::<T>().cloned()
    }

    /// Keeps `value` (`weight` bytes encoded) under `key` for `ttl`.
    pub(super) fn insert<T: Send + Sync + 'static>(
        &self,
        key: &str,
        value: T,
        weight: usize,
        ttl: Duration,
    ) {
        let entry = Entry {
            value: Arc::new(value),
            weight: u32::try_from(weight).unwrap_or(u32::MAX),
            ttl,
        };
        self.values.insert(key.to_owned(), entry);
    }
}
