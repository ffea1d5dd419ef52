//! The Redis backend: a bb8 pool of bb8-redis connections, configured to fail
//! fast (no checkout PING, short connect timeout, no retries), with broken
//! connections dropped so the pool reconnects by itself.

use std::time::Duration;

use bb8_redis::RedisConnectionManager;
use bb8_redis::bb8::{self, ManageConnection};
use redis::aio::MultiplexedConnection;
use redis::{RedisError, Script};

use std::collections::HashMap;

use super::{CacheError, CacheSettings, Lookup, RedisInfo};

/// Tag versions live this long after their last bump (or creation). Expiry is
/// safe: a version created again starts from the server clock, above every
/// version it had before, so values stored under old versions stay unreachable.
const VERSION_TTL_MS: u64 = 7 * 24 * 3600 * 1000;

/// Reads the versions of the tags (KEYS), creating a missing one from the
/// server clock (microseconds), and the value stored under ARGV[1] at those
/// versions; returns `{versioned_key, value or nil}`. One round trip, atomic.
const LOOKUP: &str = r"
local parts = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if not v then
    local t = redis.call('TIME')
    v = t[1] .. string.format('%06d', tonumber(t[2]))
    redis.call('SET', key, v, 'PX', ARGV[2])
  end
  parts[i] = v
end
local full = ARGV[1] .. '@' .. table.concat(parts, '.')
return {full, redis.call('GET', full)}
";

/// Bumps the version of every tag (KEYS); a missing one starts from the server
/// clock, so a version never returns to a value it had before.
const BUMP: &str = r"
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 0 then
    local t = redis.call('TIME')
    redis.call('SET', key, t[1] .. string.format('%06d', tonumber(t[2])))
  end
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS
";

/// A pooled connection that remembers whether it failed.
pub(super) struct PooledRedis {
    conn: MultiplexedConnection,
    broken: bool,
}

/// bb8-redis's manager, plus dropping connections that failed a command (its own
/// `has_broken` always says no, which would keep a dead socket in the pool).
pub(super) struct Manager(RedisConnectionManager);

impl ManageConnection for Manager {
    type Connection = PooledRedis;
    type Error = RedisError;

    async fn connect(&self) -> Result<PooledRedis, RedisError> {
        Ok(PooledRedis {
            conn: self.0.connect().await?,
            broken: false,
        })
    }

    async fn is_valid(&self, conn: &mut PooledRedis) -> Result<(), RedisError> {
        self.0.is_valid(&mut conn.conn).await
    }

    fn has_broken(&self, conn: &mut PooledRedis) -> bool {
        conn.broken
    }
}

/// Logs why a connection could not be made (bb8's own error is opaque).
#[derive(Debug, Clone, Copy)]
struct LogSink;

impl bb8::ErrorSink<RedisError> for LogSink {
    fn sink(&self, error: RedisError) {
        tracing::debug!(%error, "redis connection failed");
    }

    fn boxed_clone(&self) -> Box<dyn bb8::ErrorSink<RedisError>> {
        Box::new(*self)
    }
}

pub(super) struct RedisStore {
    pool: bb8::Pool<Manager>,
    lookup: Script,
    bump: Script,
}

impl RedisStore {
    /// Builds the pool without connecting: start-up never waits for Redis.
    pub(super) fn new(url: &str, settings: &CacheSettings) -> Result<Self, RedisError> {
        let manager = Manager(RedisConnectionManager::new(url)?);
        let pool = bb8::Pool::builder()
            .max_size(settings.pool_size)
            .min_idle(None)
            .test_on_check_out(false)
            .connection_timeout(settings.timeout.max(Duration::from_millis(10)))
            .retry_connection(false)
            .error_sink(Box::new(LogSink))
            .build_unchecked(manager);
        Ok(RedisStore {
            pool,
            lookup: Script::new(LOOKUP),
            bump: Script::new(BUMP),
        })
    }

    /// Runs `op` on a pooled connection; a failed connection leaves the pool.
    async fn with_conn<T>(
        &self,
        op: impl AsyncFnOnce(&mut MultiplexedConnection) -> Result<T, RedisError>,
    ) -> Result<T, CacheError> {
        let mut pooled = self
            .pool
            .get()
            .await
            .map_err(|e| CacheError::Pool(e.to_string()))?;
        // Marked broken until the command completes: a timeout that cancels us
        // mid-command drops the connection rather than reusing a stalled socket.
        pooled.broken = true;
        let result = op(&mut pooled.conn).await;
        pooled.broken = result.is_err();
        Ok(result?)
    }

    pub(super) async fn lookup(
        &self,
        base: &str,
        tag_keys: &[String],
    ) -> Result<Lookup, CacheError> {
        self.with_conn(async |conn| {
            let mut invocation = self.lookup.prepare_invoke();
            for key in tag_keys {
                invocation.key(key);
            }
            invocation.arg(base).arg(VERSION_TTL_MS);
            let (key, value): (String, Option<Vec<u8>>) = invocation.invoke_async(conn).await?;
            Ok(Lookup { key, value })
        })
        .await
    }

    pub(super) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        self.with_conn(async |conn| redis::cmd("GET").arg(key).query_async(conn).await)
            .await
    }

    pub(super) async fn set(
        &self,
        key: &str,
        bytes: Vec<u8>,
        ttl: Duration,
    ) -> Result<(), CacheError> {
        let millis = ttl.as_millis().max(1) as u64;
        self.with_conn(async |conn| {
            redis::cmd("SET")
                .arg(key)
                .arg(bytes)
                .arg("PX")
                .arg(millis)
                .query_async(conn)
                .await
        })
        .await
    }

    pub(super) async fn bump(&self, tag_keys: &[String]) -> Result<(), CacheError> {
        self.with_conn(async |conn| {
            let mut invocation = self.bump.prepare_invoke();
            for key in tag_keys {
                invocation.key(key);
            }
            invocation.arg(VERSION_TTL_MS);
            let _: i64 = invocation.invoke_async(conn).await?;
            Ok(())
        })
        .await
    }

    pub(super) async fn hash_increment(
        &self,
        key: &str,
        increments: &[(String, i64)],
    ) -> Result<(), CacheError> {
        self.with_conn(async |conn| {
            let mut pipe = redis::pipe();
            for (field, n) in increments {
                pipe.hincr(key, field, *n).ignore();
            }
            pipe.query_async::<()>(conn).await
        })
        .await
    }

    pub(super) async fn hash_get_all(&self, key: &str) -> Result<HashMap<String, i64>, CacheError> {
        self.with_conn(async |conn| redis::cmd("HGETALL").arg(key).query_async(conn).await)
            .await
    }

    pub(super) async fn info(&self) -> Result<RedisInfo, CacheError> {
        let text: String = self
            .with_conn(async |conn| redis::cmd("INFO").query_async(conn).await)
            .await?;
        let field = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        Ok(RedisInfo {
            connected_clients: field("connected_clients").parse().unwrap_or(0),
            used_memory_human: field("used_memory_human"),
            instantaneous_ops_per_sec: field("instantaneous_ops_per_sec").parse().unwrap_or(0),
        })
    }
}
