//! The `cache` section of the configuration.

use std::time::Duration;

use blog_repositories::SecretUrl;

/// Where cached values live and how the cache behaves. Its `Default` is the
/// embedded default: in process, no Redis.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheConfig {
    /// Which backend stores the values.
    pub backend: CacheBackend,
    /// The Redis server (`REDIS_URL`): the cache's backend when `backend` is
    /// [`CacheBackend::Redis`], and the analytics counters' home whenever set.
    pub redis_url: Option<SecretUrl>,
    /// Connections in the Redis pool.
    pub redis_pool_size: u32,
    /// The longest any Redis operation may take before it is given up (the
    /// database answers instead).
    pub timeout: Duration,
    /// Prefix of every key (`blog` by default): lets several sites, or tests,
    /// share one Redis.
    pub prefix: String,
    /// Bytes of values the in-process backend keeps at most.
    pub memory_capacity: u64,
    /// At most one "cache unavailable" warning per this interval.
    pub warn_interval: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            backend: CacheBackend::Memory,
            redis_url: None,
            redis_pool_size: 16,
            timeout: Duration::from_millis(50),
            prefix: "blog".into(),
            memory_capacity: 64 * 1024 * 1024,
            warn_interval: Duration::from_secs(10),
        }
    }
}

/// Where cached values live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheBackend {
    /// Redis (`redis_url`), shared by every process of the site.
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
