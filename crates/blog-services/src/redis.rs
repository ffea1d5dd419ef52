//! The process's one Redis pool, shared by the cache, the analytics counters
//! and the monitoring figures: a bb8 pool of bb8-redis connections configured
//! to fail fast (no checkout PING, a short connect timeout, no retries, every
//! command under a timeout), with broken connections dropped so the pool
//! reconnects by itself.

use std::time::Duration;

use bb8_redis::RedisConnectionManager;
use bb8_redis::bb8::{self, ManageConnection};
use redis::aio::MultiplexedConnection;

use crate::cache::CacheConfig;

/// Why a Redis operation did not complete; never shown to clients.
#[derive(Debug, thiserror::Error)]
pub enum RedisFailure {
    /// Redis answered with an error, or the connection broke.
    #[error("redis: {0}")]
    Command(#[from] redis::RedisError),
    /// No connection could be had from the pool in time.
    #[error("no redis connection: {0}")]
    NoConnection(String),
    /// The operation took longer than the configured timeout.
    #[error("redis timed out")]
    Timeout,
}

/// A pooled connection that remembers whether it failed.
struct PooledRedis {
    conn: MultiplexedConnection,
    broken: bool,
}

/// bb8-redis's manager, plus dropping connections that failed a command (its own
/// `has_broken` always says no, which would keep a dead socket in the pool).
struct Manager(RedisConnectionManager);

impl ManageConnection for Manager {
    type Connection = PooledRedis;
    type Error = redis::RedisError;

    async fn connect(&self) -> Result<PooledRedis, redis::RedisError> {
        Ok(PooledRedis {
            conn: self.0.connect().await?,
            broken: false,
        })
    }

    async fn is_valid(&self, conn: &mut PooledRedis) -> Result<(), redis::RedisError> {
        self.0.is_valid(&mut conn.conn).await
    }

    fn has_broken(&self, conn: &mut PooledRedis) -> bool {
        conn.broken
    }
}

/// Logs why a connection could not be made (bb8's own error is opaque).
#[derive(Debug, Clone, Copy)]
struct LogSink;

impl bb8::ErrorSink<redis::RedisError> for LogSink {
    fn sink(&self, error: redis::RedisError) {
        tracing::debug!(%error, "redis connection failed");
    }

    fn boxed_clone(&self) -> Box<dyn bb8::ErrorSink<redis::RedisError>> {
        Box::new(*self)
    }
}

/// The shared pool; cheap to clone.
#[derive(Clone)]
pub struct RedisPool {
    pool: bb8::Pool<Manager>,
    timeout: Duration,
}

impl std::fmt::Debug for RedisPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisPool")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisPool {
    /// The pool `config` asks for (`None` without a Redis URL): at most
    /// `redis_pool_size` connections, every operation bounded by `timeout`.
    /// Never connects here: start-up never waits for Redis.
    pub fn from_config(config: &CacheConfig) -> Result<Option<Self>, RedisFailure> {
        let Some(url) = &config.redis_url else {
            return Ok(None);
        };
        let manager = Manager(RedisConnectionManager::new(url.expose())?);
        let timeout = config.timeout;
        let pool = bb8::Pool::builder()
            .max_size(config.redis_pool_size)
            .min_idle(None)
            .test_on_check_out(false)
            .connection_timeout(timeout.max(Duration::from_millis(10)))
            .retry_connection(false)
            .error_sink(Box::new(LogSink))
            .build_unchecked(manager);
        Ok(Some(RedisPool { pool, timeout }))
    }

    /// Runs `op` on a pooled connection within the timeout; a connection whose
    /// command failed or was cut short leaves the pool.
    pub(crate) async fn run<T>(
        &self,
        op: impl AsyncFnOnce(&mut MultiplexedConnection) -> Result<T, redis::RedisError>,
    ) -> Result<T, RedisFailure> {
        let attempt = async {
            let mut pooled = self
                .pool
                .get()
                .await
                .map_err(|e| RedisFailure::NoConnection(e.to_string()))?;
            // Marked broken until the command completes: a timeout that cancels us
            // mid-command drops the connection rather than reusing a stalled socket.
            pooled.broken = true;
            let result = op(&mut pooled.conn).await;
            pooled.broken = result.is_err();
            Ok(result?)
        };
        match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(RedisFailure::Timeout),
        }
    }

    /// The text of `INFO` (for the monitoring figures).
    pub(crate) async fn info(&self) -> Result<String, RedisFailure> {
        self.run(async |conn| redis::cmd("INFO").query_async(conn).await)
            .await
    }
}
