//! The `cache` section of the configuration.

use std::time::Duration;

/// Where cached values live and how the cache behaves. Its `Default` is the
/// embedded default: in process. (The Redis server and its timeouts are the
/// `redis` section: [`crate::redis::RedisConfig`].)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// Which backend stores the values.
    pub backend: CacheBackend,
    /// Prefix of every key (`blog` by default): lets several sites, or tests,
    /// share one Redis.
    pub prefix: String,
    /// Bytes of values kept in this process at most: the whole cache of the
    /// in-process backend, the near copies of Redis's values.
    pub memory_capacity: u64,
    /// At most one "cache unavailable" warning per this interval.
    pub warn_interval: Duration,
    /// How often each instance applies the invalidations left in the outbox:
    /// the most another instance can lag behind a write whose writer lost
    /// Redis ([`crate::outbox`]).
    pub outbox_poll_interval: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            backend: CacheBackend::Memory,
            prefix: "blog".into(),
            memory_capacity: 32 * 1024 * 1024,
            warn_interval: Duration::from_secs(10),
            outbox_poll_interval: Duration::from_millis(500),
        }
    }
}

/// Where cached values live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheBackend {
    /// Redis (the `redis` section's server), shared by every process of the site.
    Redis,
    /// A bounded map in this process.
    Memory,
    /// No caching: every read goes to the database.
    Off,
}

impl CacheBackend {
    /// `redis`, `memory` or `off`: the name `BLOG_CACHE` takes.
    pub fn name(self) -> &'static str {
        match self {
            CacheBackend::Redis => "redis",
            CacheBackend::Memory => "memory",
            CacheBackend::Off => "off",
        }
    }
}
