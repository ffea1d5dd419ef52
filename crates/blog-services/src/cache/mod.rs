//! The tag-invalidated cache: one interface, a Redis backend (production) and an
//! in-process backend (the embedded default), or none at all.
//!
//! **Never stale, by design.** Every cached value is stored under its key *plus
//! the current version of each of its tags* (`blog:v1:list:page=2@1732502.7`).
//! A write bumps the versions of the tags it touches (an `INCR`), after its
//! transaction commits. A reader that loaded old data before the write stores it
//! under the old versions, a key no reader asks for again; nothing is ever
//! deleted, so no invalidation can be lost between a read and a delete, and tag
//! bookkeeping is one counter per tag (values expire by their TTL).
//!
//! **Fails open.** Every backend operation has a short timeout; an error or a
//! timeout counts in [`CacheStats`], logs a warning at most once per interval, and
//! the caller gets its data from the loader (the database); for a second after a
//! failure Redis is not even tried. The cache never causes an error response.
//!
//! **Single flight.** Concurrent misses for one key in one process run the
//! loader once; the others wait for its result.

mod key;
mod memory;
mod query;
mod redis;

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;

pub use key::{CacheKey, SCHEMA_VERSION, Tag};

use self::memory::MemoryStore;
use self::redis::RedisStore;

/// Which backend, and how it behaves.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    pub backend: CacheBackend,
    /// The longest any cache operation may take before the cache is bypassed.
    pub timeout: Duration,
    /// Prefix of every key (`blog` by default): lets several sites, or tests,
    /// share one Redis.
    pub prefix: String,
    /// Redis connections in the pool.
    pub pool_size: u32,
    /// Bytes of values the in-process backend keeps at most.
    pub memory_capacity: u64,
    /// At most one "cache unavailable" warning per this interval.
    pub warn_interval: Duration,
}

impl CacheSettings {
    /// Defaults for `backend`: 50 ms timeout, prefix `blog`.
    pub fn new(backend: CacheBackend) -> Self {
        CacheSettings {
            backend,
            timeout: Duration::from_millis(50),
            prefix: "blog".into(),
            pool_size: 16,
            memory_capacity: 64 * 1024 * 1024,
            warn_interval: Duration::from_secs(10),
        }
    }
}

/// Where cached values live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheBackend {
    /// Redis at this URL, shared by every process of the site.
    Redis(String),
    /// A bounded map in this process.
    Memory,
    /// No caching: every read goes to the database.
    Off,
}

/// Counters of cache use since start (monitoring reads them).
#[derive(Debug, Default)]
pub struct CacheStats {
    hits: AtomicU64,
    misses: AtomicU64,
    errors: AtomicU64,
}

/// A copy of [`CacheStats`] at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CacheStatsSnapshot {
    pub hits: u64,
    pub misses: u64,
    pub errors: u64,
}

impl CacheStatsSnapshot {
    /// Hits over lookups, 0 when nothing was looked up.
    pub fn hit_ratio(&self) -> f64 {
        let lookups = self.hits + self.misses;
        if lookups == 0 {
            0.0
        } else {
            self.hits as f64 / lookups as f64
        }
    }
}

/// Why a backend operation failed; never shown to clients.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    #[error("no redis connection: {0}")]
    Pool(String),
    #[error("timed out")]
    Timeout,
    #[error("skipped: redis failed less than a second ago")]
    Skipped,
}

/// After a Redis failure, the cache is bypassed this long before Redis is tried
/// again, so an outage costs requests nothing rather than a timeout each.
const BACKOFF: Duration = Duration::from_secs(1);

/// What a lookup found: the versioned key for this moment, and the value if any.
struct Lookup {
    key: String,
    value: Option<Vec<u8>>,
}

enum Store {
    Redis(RedisStore),
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
    timeout: Duration,
    prefix: String,
    stats: CacheStats,
    warn_interval: Duration,
    started: Instant,
    /// Milliseconds after `started` of the last warning (+1; 0 = never).
    last_warning: AtomicU64,
    /// Milliseconds after `started` until which Redis is not tried (a failure's backoff).
    bypass_until: AtomicU64,
    inflight: Mutex<HashMap<String, Flight>>,
    /// Counter hashes when there is no Redis (analytics keeps counting in process).
    hashes: Mutex<HashMap<String, HashMap<String, i64>>>,
    /// Tag versions to bump that Redis has not acknowledged yet.
    pending_bumps: Mutex<BTreeSet<String>>,
}

/// Removes a finished (or abandoned) flight from the map.
struct FlightGuard<'a> {
    inner: &'a Inner,
    key: &'a str,
    cell: &'a Flight,
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut inflight) = self.inner.inflight.lock()
            && inflight
                .get(self.key)
                .is_some_and(|c| Arc::ptr_eq(c, self.cell))
        {
            inflight.remove(self.key);
        }
    }
}

/// What the monitoring endpoint shows of Redis (`INFO`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RedisInfo {
    pub connected_clients: i64,
    pub used_memory_human: String,
    pub instantaneous_ops_per_sec: i64,
}

/// One load in progress: the first caller fills it, the others wait on it.
/// `None` inside means the load failed (waiters then load for themselves).
type Flight = Arc<OnceCell<Option<Arc<Vec<u8>>>>>;

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("backend", &self.backend_name())
            .finish()
    }
}

impl Cache {
    /// Builds the cache; never fails and never waits for Redis (its pool
    /// connects on first use and reconnects by itself).
    pub fn new(settings: &CacheSettings) -> Cache {
        let store = match &settings.backend {
            CacheBackend::Redis(url) => match RedisStore::new(url, settings) {
                Ok(store) => Store::Redis(store),
                Err(err) => {
                    tracing::error!(error = %err, "invalid REDIS_URL: caching is off");
                    Store::Off
                }
            },
            CacheBackend::Memory => Store::Memory(MemoryStore::new(settings.memory_capacity)),
            CacheBackend::Off => Store::Off,
        };
        Cache {
            inner: Arc::new(Inner {
                store,
                timeout: settings.timeout,
                prefix: settings.prefix.clone(),
                stats: CacheStats::default(),
                warn_interval: settings.warn_interval,
                started: Instant::now(),
                last_warning: AtomicU64::new(0),
                bypass_until: AtomicU64::new(0),
                inflight: Mutex::new(HashMap::new()),
                hashes: Mutex::new(HashMap::new()),
                pending_bumps: Mutex::new(BTreeSet::new()),
            }),
        }
    }

    /// A cache that caches nothing.
    pub fn off() -> Cache {
        Cache::new(&CacheSettings::new(CacheBackend::Off))
    }

    /// `redis`, `memory` or `off`.
    pub fn backend_name(&self) -> &'static str {
        match self.inner.store {
            Store::Redis(_) => "redis",
            Store::Memory(_) => "memory",
            Store::Off => "off",
        }
    }

    /// Hits, misses and errors so far.
    pub fn stats(&self) -> CacheStatsSnapshot {
        let s = &self.inner.stats;
        CacheStatsSnapshot {
            hits: s.hits.load(Ordering::Relaxed),
            misses: s.misses.load(Ordering::Relaxed),
            errors: s.errors.load(Ordering::Relaxed),
        }
    }

    /// The value stored under `key` (without tags), if any and readable.
    pub async fn get<T: DeserializeOwned>(&self, key: &CacheKey) -> Option<T> {
        let key = key.render(&self.inner.prefix);
        let bytes = match &self.inner.store {
            Store::Off => return None,
            Store::Memory(store) => store.get(&key).await,
            Store::Redis(store) => self.guard(store.get(&key)).await?,
        };
        self.count(bytes.is_some());
        bytes.and_then(|b| decode(&b))
    }

    /// Stores `value` under `key` (without tags) for `ttl`.
    pub async fn set<T: Serialize>(&self, key: &CacheKey, value: &T, ttl: Duration) {
        let key = key.render(&self.inner.prefix);
        let Some(bytes) = encode(value) else { return };
        self.put(&key, bytes, ttl).await;
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
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let base = key.render(&self.inner.prefix);
        // Every value also carries the global tag, so that `invalidate_all`
        // (after `blog seed --reset`) reaches everything.
        let tag_keys: Vec<String> = std::iter::once(Tag::all())
            .chain(tags.iter().cloned())
            .map(|t| t.render(&self.inner.prefix))
            .collect();
        let lookup = match &self.inner.store {
            Store::Off => return loader().await,
            Store::Memory(store) => Some(store.lookup(&base, &tag_keys).await),
            Store::Redis(store) => self.guard(store.lookup(&base, &tag_keys)).await,
        };
        let Some(lookup) = lookup else {
            // The backend is unreachable: serve from the database.
            return loader().await;
        };
        if let Some(value) = lookup.value.as_deref().and_then(decode::<T>) {
            self.count(true);
            return Ok(value);
        }
        self.count(false);

        let cell = {
            let mut inflight = self.inner.inflight.lock().expect("inflight lock");
            inflight.entry(lookup.key.clone()).or_default().clone()
        };
        // Removes the flight when this call ends, however it ends (a cancelled
        // request included), if nobody replaced it meanwhile.
        let _flight = FlightGuard {
            inner: &self.inner,
            key: &lookup.key,
            cell: &cell,
        };
        let mut loader = Some(loader);
        let mut outcome: Option<Result<T, E>> = None;
        let shared = cell
            .get_or_init(|| async {
                let load = loader.take().expect("the initializer runs once");
                match load().await {
                    Ok(value) => {
                        let bytes = encode(&value);
                        if let Some(bytes) = &bytes {
                            self.put(&lookup.key, bytes.clone(), ttl).await;
                        }
                        outcome = Some(Ok(value));
                        bytes.map(Arc::new)
                    }
                    Err(err) => {
                        // Waiters don't retry one after another: they see the
                        // failure and load for themselves, concurrently.
                        outcome = Some(Err(err));
                        None
                    }
                }
            })
            .await
            .clone();
        if let Some(result) = outcome {
            return result;
        }
        // Another caller ran the loader: share its value, or load ourselves if
        // it failed or could not be encoded.
        match (shared.as_deref().and_then(|b| decode(b)), loader.take()) {
            (Some(value), _) => Ok(value),
            (None, Some(load)) => load().await,
            (None, None) => unreachable!("our loader runs only as the initializer"),
        }
    }

    /// Makes every cached value unreachable: after the data was replaced
    /// wholesale (`blog seed`, `--reset`).
    pub async fn invalidate_all(&self) {
        self.invalidate_tag(&Tag::all()).await;
    }

    /// Makes every value cached under `tag` unreachable (bump its version).
    /// Call it after the write's transaction has committed.
    pub async fn invalidate_tag(&self, tag: &Tag) {
        self.invalidate_tags(std::slice::from_ref(tag)).await;
    }

    /// [`Cache::invalidate_tag`] for several tags, in one round trip. A bump
    /// that fails is kept and retried before any later read or store, and until
    /// it succeeds this process reads nothing from the cache: a lost
    /// invalidation never lets it serve data from before the write.
    pub async fn invalidate_tags(&self, tags: &[Tag]) {
        if tags.is_empty() {
            return;
        }
        let keys: Vec<String> = tags.iter().map(|t| t.render(&self.inner.prefix)).collect();
        match &self.inner.store {
            Store::Off => {}
            Store::Memory(store) => store.bump(&keys),
            Store::Redis(_) => {
                self.inner
                    .pending_bumps
                    .lock()
                    .expect("pending lock")
                    .extend(keys);
                self.flush_bumps().await;
            }
        }
    }

    /// Sends the pending version bumps; true when none is left. Not subject to
    /// the failure backoff: an invalidation is always attempted.
    async fn flush_bumps(&self) -> bool {
        let Store::Redis(store) = &self.inner.store else {
            return true;
        };
        let keys: Vec<String> = {
            let pending = self.inner.pending_bumps.lock().expect("pending lock");
            if pending.is_empty() {
                return true;
            }
            pending.iter().cloned().collect()
        };
        match self.attempt(store.bump(&keys)).await {
            Some(()) => {
                let mut pending = self.inner.pending_bumps.lock().expect("pending lock");
                for key in &keys {
                    pending.remove(key);
                }
                pending.is_empty()
            }
            None => false,
        }
    }

    /// Adds to counters of the hash `key` (`HINCRBY` on Redis, in process
    /// otherwise); false if Redis could not be reached.
    pub async fn hash_increment(&self, key: &str, increments: &[(String, i64)]) -> bool {
        if increments.is_empty() {
            return true;
        }
        match &self.inner.store {
            Store::Redis(store) => self
                .guard(store.hash_increment(key, increments))
                .await
                .is_some(),
            Store::Memory(_) | Store::Off => {
                let mut hashes = self.inner.hashes.lock().expect("hashes lock");
                let hash = hashes.entry(key.to_owned()).or_default();
                for (field, n) in increments {
                    *hash.entry(field.clone()).or_insert(0) += n;
                }
                true
            }
        }
    }

    /// Every counter of the hash `key`; `None` if Redis could not be reached.
    pub async fn hash_get_all(&self, key: &str) -> Option<HashMap<String, i64>> {
        match &self.inner.store {
            Store::Redis(store) => self.guard(store.hash_get_all(key)).await,
            Store::Memory(_) | Store::Off => {
                let hashes = self.inner.hashes.lock().expect("hashes lock");
                Some(hashes.get(key).cloned().unwrap_or_default())
            }
        }
    }

    /// Redis's own figures; `None` without Redis or when it does not answer.
    pub async fn redis_info(&self) -> Option<RedisInfo> {
        match &self.inner.store {
            Store::Redis(store) => self.guard(store.info()).await,
            _ => None,
        }
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, ttl: Duration) {
        match &self.inner.store {
            Store::Off => {}
            Store::Memory(store) => store.set(key, bytes, ttl).await,
            Store::Redis(store) => {
                self.guard(store.set(key, bytes, ttl)).await;
            }
        }
    }

    /// Runs a Redis read or store under the timeout; failures are counted,
    /// logged (rate-limited) and turned into `None`, and make the next second's
    /// operations skip Redis altogether. While an invalidation is pending, reads
    /// and stores are skipped too.
    async fn guard<T>(&self, op: impl Future<Output = Result<T, CacheError>>) -> Option<T> {
        if self.now_ms() < self.inner.bypass_until.load(Ordering::Relaxed) {
            self.record_error(&CacheError::Skipped);
            return None;
        }
        if !self.flush_bumps().await {
            return None;
        }
        self.attempt(op).await
    }

    /// One Redis operation under the timeout, without the backoff check.
    async fn attempt<T>(&self, op: impl Future<Output = Result<T, CacheError>>) -> Option<T> {
        let outcome = match tokio::time::timeout(self.inner.timeout, op).await {
            Ok(result) => result,
            Err(_) => Err(CacheError::Timeout),
        };
        match outcome {
            Ok(value) => Some(value),
            Err(err) => {
                let until = self.now_ms() + BACKOFF.as_millis() as u64;
                self.inner.bypass_until.store(until, Ordering::Relaxed);
                self.record_error(&err);
                None
            }
        }
    }

    /// Milliseconds since this cache was built, plus one (0 means "never").
    fn now_ms(&self) -> u64 {
        self.inner.started.elapsed().as_millis() as u64 + 1
    }

    fn record_error(&self, err: &CacheError) {
        self.inner.stats.errors.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("cache_errors_total").increment(1);
        let now = self.now_ms();
        let last = self.inner.last_warning.load(Ordering::Relaxed);
        let interval = self.inner.warn_interval.as_millis() as u64;
        if (last == 0 || now.saturating_sub(last) >= interval)
            && self
                .inner
                .last_warning
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(error = %err, "cache unavailable: serving from the database");
        }
    }

    fn count(&self, hit: bool) {
        let stats = &self.inner.stats;
        if hit {
            stats.hits.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("cache_hits_total").increment(1);
        } else {
            stats.misses.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("cache_misses_total").increment(1);
        }
    }
}

/// MessagePack with field names: compact, and tolerant of `#[serde(flatten)]`.
fn encode<T: Serialize>(value: &T) -> Option<Vec<u8>> {
    match rmp_serde::to_vec_named(value) {
        Ok(bytes) => Some(bytes),
        Err(err) => {
            tracing::error!(error = %err, "a value could not be encoded for the cache");
            None
        }
    }
}

/// `None` for bytes written by an older schema: treated as a miss.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    rmp_serde::from_slice(bytes).ok()
}
