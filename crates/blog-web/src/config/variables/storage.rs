//! Where the data lives: the database, Redis, the cache and the counters.
//! Applied in this order: `DATABASE_URL` and `REDIS_URL` come before the
//! settings that depend on them.

use blog_services::cache::CacheBackend;

use blog_repositories::{Protocol, SecretUrl};

use super::{Shown, Variable, secret, set, var};
use crate::config::values::{
    flag, millis, name, seconds, show_millis, show_seconds, whole, whole_u32,
};

/// The storage variables.
pub(super) static STORAGE: &[Variable] = &[
    var(
        "BLOG_CONFIG",
        "a `KEY=VALUE` file (dotenv syntax) read before the environment, which overrides it; `./.env` is read too, if present",
        Shown::Value(|_| None),
        |_, _| Ok(()),
    ),
    secret(
        "DATABASE_URL",
        "`postgres://...` for PostgreSQL; unset, the embedded default (SQLite, demo data, debug headers)",
        Shown::Value(|c| Some(c.database.url.redacted())),
        |c, v| {
            let url = SecretUrl::new(v);
            if !url.has_scheme(&["sqlite:", "postgres://", "postgresql://"]) {
                return Err("a postgres://... or sqlite:... URL".into());
            }
            c.database.url = url;
            Ok(())
        },
    ),
    var(
        "BLOG_DB_MAX_CONNECTIONS",
        "the most connections the pool opens",
        Shown::Value(|c| Some(c.database.pool.max_connections.to_string())),
        |c, v| {
            set(
                &mut c.database.pool.max_connections,
                whole_u32(v, 1, 10_000),
            )
        },
    ),
    var(
        "BLOG_DB_MIN_CONNECTIONS",
        "connections the pool keeps open when idle (at most the maximum)",
        Shown::Value(|c| Some(c.database.pool.min_connections.to_string())),
        |c, v| {
            set(
                &mut c.database.pool.min_connections,
                whole_u32(v, 0, 10_000),
            )
        },
    ),
    var(
        "BLOG_DB_ACQUIRE_TIMEOUT_MS",
        "how long a request waits for a pooled connection before a 503",
        Shown::Value(|c| Some(show_millis(c.database.pool.acquire_timeout))),
        |c, v| set(&mut c.database.pool.acquire_timeout, millis(v, 1, 600_000)),
    ),
    var(
        "BLOG_DB_IDLE_TIMEOUT_S",
        "idle pooled connections above the minimum close after this long",
        Shown::Value(|c| Some(show_seconds(c.database.pool.idle_timeout))),
        |c, v| set(&mut c.database.pool.idle_timeout, seconds(v, 1, 86_400)),
    ),
    var(
        "BLOG_DB_MAX_LIFETIME_S",
        "pooled connections are recycled after this long",
        Shown::Value(|c| Some(show_seconds(c.database.pool.max_lifetime))),
        |c, v| set(&mut c.database.pool.max_lifetime, seconds(v, 1, 604_800)),
    ),
    var(
        "BLOG_DB_PROTOCOL",
        "`extended` (prepared statements) or `simple` (no statement outlives itself: for PgBouncer in transaction mode; migrations then need a direct `blog migrate`)",
        Shown::Value(|c| {
            Some(
                match c.database.protocol {
                    Protocol::Extended => "extended",
                    Protocol::Simple => "simple",
                }
                .to_owned(),
            )
        }),
        |c, v| {
            c.database.protocol = match v {
                "extended" => Protocol::Extended,
                "simple" => Protocol::Simple,
                _ => return Err("one of extended, simple".into()),
            };
            Ok(())
        },
    ),
    var(
        "BLOG_SLOW_STATEMENT_MS",
        "a slower SQL statement logs a warning (SQL cut to 200 characters)",
        Shown::Value(|c| Some(show_millis(c.database.slow_statement))),
        |c, v| set(&mut c.database.slow_statement, millis(v, 0, 3_600_000)),
    ),
    var(
        "BLOG_DB_STATEMENT_TIMEOUT_MS",
        "PostgreSQL cancels a slower statement and the request gets 503 with `Retry-After`",
        Shown::Value(|c| Some(show_millis(c.database.statement_timeout))),
        |c, v| set(&mut c.database.statement_timeout, millis(v, 1, 3_600_000)),
    ),
    var(
        "BLOG_AUTO_MIGRATE",
        "`blog serve` applies pending migrations before serving, retrying until the database answers (with `BLOG_DB_PROTOCOL=simple` it waits, answering 503, until none is pending instead)",
        Shown::Value(|c| Some(c.database.migrate_on_start.to_string())),
        |c, v| set(&mut c.database.migrate_on_start, flag(v)),
    ),
    secret(
        "REDIS_URL",
        "`redis://host:port/db`: the cache and the analytics counters live in Redis",
        Shown::Value(|c| c.redis.url.as_ref().map(SecretUrl::redacted)),
        |c, v| {
            let url = SecretUrl::new(v);
            if url.has_scheme(&["rediss://"]) {
                return Err(
                    "a redis:// URL: this build has no TLS to Redis (rediss://); reach Redis over \
                     a private network or a TLS tunnel"
                        .into(),
                );
            }
            if !url.has_scheme(&["redis://"]) {
                return Err("a redis://host:port/db URL".into());
            }
            c.redis.url = Some(url);
            c.cache.backend = CacheBackend::Redis;
            Ok(())
        },
    ),
    var(
        "BLOG_CACHE",
        "`redis`, `memory` (in process) or `off` (every read goes to the database)",
        Shown::Rule("`redis` with `REDIS_URL`, else `memory`"),
        |c, v| {
            c.cache.backend = match v {
                "redis" if c.redis.url.is_some() => CacheBackend::Redis,
                "redis" => return Err("REDIS_URL to be set for the redis cache".into()),
                "memory" => CacheBackend::Memory,
                "off" => CacheBackend::Off,
                _ => return Err("one of redis, memory, off".into()),
            };
            Ok(())
        },
    ),
    var(
        "BLOG_CACHE_TIMEOUT_MS",
        "a slower Redis operation is given up (the cache misses, the database answers)",
        Shown::Value(|c| Some(show_millis(c.redis.timeout))),
        |c, v| set(&mut c.redis.timeout, millis(v, 1, 60_000)),
    ),
    var(
        "BLOG_CACHE_PREFIX",
        "prefix of every cache key, so several sites can share one Redis",
        Shown::Value(|c| Some(c.cache.prefix.clone())),
        |c, v| set(&mut c.cache.prefix, name(v)),
    ),
    var(
        "BLOG_CACHE_OUTBOX_POLL_MS",
        "how often this instance applies invalidations a writer could not send to Redis",
        Shown::Value(|c| Some(show_millis(c.cache.outbox_poll_interval))),
        |c, v| set(&mut c.cache.outbox_poll_interval, millis(v, 50, 60_000)),
    ),
    var(
        "BLOG_REDIS_POOL_SIZE",
        "connections in the Redis pool (the cache's reads take one more per worker thread)",
        Shown::Value(|c| Some(c.redis.pool_size.to_string())),
        |c, v| set(&mut c.redis.pool_size, whole_u32(v, 1, 1024)),
    ),
    var(
        "BLOG_CACHE_MEMORY_MB",
        "the most this process keeps cached, in MiB (the whole cache, or near copies of Redis's values)",
        Shown::Value(|c| Some((c.cache.memory_capacity >> 20).to_string())),
        |c, v| {
            set(
                &mut c.cache.memory_capacity,
                whole(v, 1, 65_536).map(|mb| mb << 20),
            )
        },
    ),
    var(
        "BLOG_ANALYTICS_KEY",
        "the Redis hash of the daily page-view and new-post counts",
        Shown::Value(|c| Some(c.analytics.key.clone())),
        |c, v| set(&mut c.analytics.key, name(v)),
    ),
    var(
        "BLOG_ANALYTICS_FLUSH_MS",
        "how often this process adds its counts to that hash",
        Shown::Value(|c| Some(show_millis(c.analytics.flush_interval))),
        |c, v| set(&mut c.analytics.flush_interval, millis(v, 100, 3_600_000)),
    ),
    var(
        "BLOG_TOKEN_TTL_HOURS",
        "lifetime of an API token (at most ten years)",
        Shown::Value(|c| Some((c.auth.token_ttl.as_secs() / 3600).to_string())),
        |c, v| {
            let hours = whole(v, 1, blog_services::auth::MAX_TOKEN_TTL.as_secs() / 3600)?;
            c.auth.token_ttl = std::time::Duration::from_secs(hours * 3600);
            Ok(())
        },
    ),
];
