//! The tag-invalidated cache: one interface, a Redis backend (production) and an
//! in-process backend (the embedded default), or none at all. It is generic:
//! it knows keys, tags and tables, never a blog type.
//!
//! **Never stale, by design.** Every cached value is stored under its key *plus
//! the current version of each of its tags* (`blog:v1:list.s1:page=2@1732502.7`).
//! A write bumps the versions of the tags it touches (an `INCR`), after its
//! transaction commits. A reader that loaded old data before the write stores it
//! under the old versions, a key no reader asks for again; nothing is ever
//! deleted, so no invalidation can be lost between a read and a delete, and tag
//! bookkeeping is one counter per tag (values expire by their TTL).
//!
//! **Fails open.** Every backend operation has a short timeout; an error, a
//! timeout or an operation skipped during the pool's backoff counts in the
//! statistics, logs a warning at most once per interval, and the caller gets
//! its data from the loader (the database). The cache never causes an error
//! response.
//!
//! **Durable invalidation.** A bump that fails is not retried from memory:
//! writes record their tags in the database (the outbox, [`crate::outbox`]),
//! and after any Redis failure this process reads nothing from Redis until
//! [`Cache::resync`] has applied every recorded row ([`trust`]).
//!
//! **Near copies.** Whatever the backend, values are also kept decoded in
//! this process under their versioned keys ([`near`]): a hit on Redis reads
//! the tag versions only (one `MGET`), never the value again.
//!
//! **Single flight.** Concurrent misses for one key in one process run the
//! loader once ([`flight`]).

mod config;
mod flight;
mod key;
mod memory;
mod near;
mod outage;
mod query;
mod redis;
mod stats;
mod trust;
mod value;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use self::config::{CacheBackend, CacheConfig};
pub use self::key::{CacheKey, KEY_FORMAT, Tag};
pub use self::stats::{CacheStatsSnapshot, RequestLookups, track_lookups};
pub use self::value::Cacheable;

use self::flight::Flights;
use self::memory::MemoryStore;
use self::near::NearCache;
use self::outage::OutageWarning;
use self::redis::RedisStore;
use self::stats::CacheStats;
use self::trust::Trust;
use self::value::decode;
use crate::redis::{RedisFailure, RedisPool};

/// Where the values are.
enum Store {
    Redis(Box<RedisStore>),
    Memory(MemoryStore),
    Off,
}

/// The cache service; cheap to clone (one shared pool and state).
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    near: NearCache,
    backend: CacheBackend,
    prefix: String,
    stats: CacheStats,
    warning: OutageWarning,
    flights: Flights,
    trust: Trust,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("backend", &self.inner.backend)
            .finish_non_exhaustive()
    }
}

impl Cache {
    /// Builds the cache `config` asks for, on `redis` for the Redis backend.
    /// Never fails and never waits for Redis (its pool connects on first use
    /// and reconnects by itself).
    pub fn new(config: &CacheConfig, redis: Option<&RedisPool>) -> Cache {
        let (store, backend) = match (config.backend, redis) {
            (CacheBackend::Redis, Some(pool)) => (
                Store::Redis(Box::new(RedisStore::new(pool.clone()))),
                CacheBackend::Redis,
            ),
            (CacheBackend::Redis, None) => {
                tracing::error!("the Redis cache needs REDIS_URL: caching is off");
                (Store::Off, CacheBackend::Off)
            }
            (CacheBackend::Memory, _) => {
                (Store::Memory(MemoryStore::default()), CacheBackend::Memory)
            }
            (CacheBackend::Off, _) => (Store::Off, CacheBackend::Off),
        };
        Cache {
            inner: Arc::new(Inner {
                store,
                near: NearCache::new(config.memory_capacity),
                backend,
                prefix: config.prefix.clone(),
                stats: CacheStats::default(),
                warning: OutageWarning::new(config.warn_interval),
                flights: Flights::default(),
                trust: Trust::default(),
            }),
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> CacheBackend {
        self.inner.backend
    }

    /// Hits, misses and errors so far.
    pub fn stats(&self) -> CacheStatsSnapshot {
        self.inner.stats.snapshot()
    }

    /// Read-through: the value of `key` as of the current versions of `tags`,
    /// from the cache, or from `loader` (once per process however many callers
    /// miss together), then stored for `ttl`. Loader errors pass through and are
    /// not cached; cache errors are not errors (the loader runs).
    pub async fn cached<T, E, F, Fut>(
        &self,
        key: &CacheKey,
        ttl: Duration,
        tags: &[Tag],
        loader: F,
    ) -> Result<T, E>
    where
        T: Cacheable,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.cached_for(key, |_| ttl, tags, loader).await
    }

    /// [`Cache::cached`], with a lifetime that depends on the value: a "not
    /// found" or an empty page is kept briefly, so requests for things that do
    /// not exist cannot fill the cache for long.
    pub async fn cached_for<T, E, F, Fut>(
        &self,
        key: &CacheKey,
        ttl_of: impl Fn(&T) -> Duration,
        tags: &[Tag],
        loader: F,
    ) -> Result<T, E>
    where
        T: Cacheable,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let base = key.render(&self.inner.prefix, T::SCHEMA);
        // Every value also carries the global tag, so that one bump of it
        // (after `blog seed --reset`) reaches everything.
        let tag_keys: Vec<String> = std::iter::once(Tag::all())
            .chain(tags.iter().cloned())
            .map(|t| t.render(&self.inner.prefix))
            .collect();
        let Some(key) = self.versioned_key(&base, &tag_keys).await else {
            // No cache, or it is unreachable: serve from the database.
            return loader().await;
        };
        if let Some(value) = self.inner.near.get::<T>(&key) {
            self.inner.stats.lookup(true);
            return Ok(value);
        }
        if let Some(value) = self.fetch::<T>(&key, &ttl_of).await {
            self.inner.stats.lookup(true);
            return Ok(value);
        }
        self.inner.stats.lookup(false);
        let store = async |value: &T, bytes, ttl| self.put(&key, value, bytes, ttl).await;
        self.inner.flights.load(&key, loader, &ttl_of, store).await
    }

    /// Makes every value cached under any of `tags` unreachable (bumps their
    /// versions, in one round trip); true when that reached the store. Call it
    /// after the write's transaction has committed. A bump that fails withdraws
    /// trust in Redis, so this process reads nothing from it until a
    /// [`Cache::resync`]; the write's outbox row keeps the tags meanwhile.
    pub async fn invalidate_tags(&self, tags: &[Tag]) -> bool {
        if tags.is_empty() {
            return true;
        }
        let keys: Vec<String> = tags.iter().map(|t| t.render(&self.inner.prefix)).collect();
        match &self.inner.store {
            Store::Off => true,
            Store::Memory(store) => {
                store.bump(&keys);
                true
            }
            Store::Redis(store) => self.counted(store.bump(&keys)).await.is_some(),
        }
    }

    /// Withdraws trust in Redis until the next successful [`Cache::resync`]:
    /// whenever invalidations may be pending that this process did not apply
    /// (at start; after a commit that failed or a replayed write).
    pub fn distrust(&self) {
        if matches!(self.inner.store, Store::Redis(_)) {
            self.inner.trust.withdraw();
        }
    }

    /// Runs `apply_pending` (which applies every invalidation recorded durably
    /// and says whether all landed); if it succeeded and Redis did not fail
    /// meanwhile, Redis is read again. Returns whether it is.
    pub async fn resync(&self, apply_pending: impl Future<Output = bool>) -> bool {
        self.inner.trust.resync(apply_pending).await
    }

    /// `base` under the current versions of `tag_keys`; `None` without a
    /// cache or when Redis cannot be used now.
    async fn versioned_key(&self, base: &str, tag_keys: &[String]) -> Option<String> {
        match &self.inner.store {
            Store::Off => None,
            Store::Memory(store) => Some(store.versioned_key(base, tag_keys)),
            Store::Redis(store) => self.guard(store.versioned_key(base, tag_keys)).await,
        }
    }

    /// The value under `key` from Redis (then kept near); `None` on a miss,
    /// bytes that do not decode, or without Redis.
    async fn fetch<T: Cacheable>(&self, key: &str, ttl_of: impl Fn(&T) -> Duration) -> Option<T> {
        let Store::Redis(store) = &self.inner.store else {
            return None;
        };
        let bytes = self.guard(store.get(key)).await??;
        let value = decode::<T>(&bytes)?;
        self.inner
            .near
            .insert(key, value.clone(), bytes.len(), ttl_of(&value));
        Some(value)
    }

    /// Stores a loaded value (`bytes` encoded) under `key` for `ttl`: near,
    /// and in Redis.
    async fn put<T: Cacheable>(&self, key: &str, value: &T, bytes: Vec<u8>, ttl: Duration) {
        if matches!(self.inner.store, Store::Off) {
            return;
        }
        self.inner.near.insert(key, value.clone(), bytes.len(), ttl);
        if let Store::Redis(store) = &self.inner.store {
            self.guard(store.set(key, bytes, ttl)).await;
        }
    }

    /// Runs a Redis read or store, unless Redis is not trusted now (a failure
    /// since the last resync) or the pool backs off after a failure.
    async fn guard<T>(&self, op: impl Future<Output = Result<T, RedisFailure>>) -> Option<T> {
        if let Store::Redis(store) = &self.inner.store
            && (store.backing_off() || !self.inner.trust.trusted())
        {
            self.inner.stats.error();
            self.inner.warning.warn(&RedisFailure::Skipped);
            return None;
        }
        self.counted(op).await
    }

    /// One Redis operation; a failure is counted, logged (rate-limited) and
    /// turned into `None`.
    async fn counted<T>(&self, op: impl Future<Output = Result<T, RedisFailure>>) -> Option<T> {
        match op.await {
            Ok(value) => Some(value),
            Err(err) => {
                self.inner.trust.withdraw();
                self.inner.stats.error();
                self.inner.warning.warn(&err);
                None
            }
        }
    }
}
