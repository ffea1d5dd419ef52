//! The process's one Redis pool, shared by the cache, the analytics counters
//! and the monitoring figures: a bb8 pool of bb8-redis connections configured
//! to fail fast (no checkout PING, a short connect timeout, no retries, every
//! command under a timeout), with broken connections dropped so the pool
//! reconnects by itself. The cache's commands on the request path go instead
//! over each thread's own connection, pipelined with the thread's other
//! requests ([`worker_connection`]). For a second after a failure Redis is
//! not even tried, so an outage costs requests nothing rather than a timeout
//! each.

mod worker_connection;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bb8_redis::RedisConnectionManager;
use bb8_redis::bb8::{self, ManageConnection};
use blog_repositories::SecretUrl;
use redis::aio::MultiplexedConnection;

use worker_connection::Connections;

/// After a failure, Redis is skipped this long before it is tried again.
const BACKOFF: Duration = Duration::from_secs(1);

/// The `redis` section of the configuration. Its `Default` has no Redis: the
/// cache and the counters stay in process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// The server (`REDIS_URL`); the cache may use it, the analytics counters
    /// always do.
    pub url: Option<SecretUrl>,
    /// Connections in the pool.
    pub pool_size: u32,
    /// The longest any Redis operation may take before it is given up (the
    /// database answers instead).
    pub timeout: Duration,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            url: None,
            pool_size: 16,
            timeout: Duration::from_millis(50),
        }
    }
}

/// Why a Redis operation did not complete; never shown to clients.
#[derive(Debug, thiserror::Error)]
pub enum RedisFailure {
    /// Redis answered with an error, or the connection broke.
    #[error("the redis command failed")]
    Command(#[from] redis::RedisError),
    /// No connection could be had from the pool in time.
    #[error("no redis connection: {0}")]
    NoConnection(String),
    /// The operation took longer than the configured timeout.
    #[error("redis timed out")]
    Timeout,
    /// Not tried: Redis failed recently (the backoff, or no resync since).
    #[error("skipped: redis failed recently")]
    Skipped,
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
    backoff: Arc<Backoff>,
    /// For the connections outside the pool: each thread's for the cache, and
    /// the last flush's at shutdown.
    client: redis::Client,
    /// Each thread's connection for the cache's commands.
    connections: Arc<Connections>,
}

/// When Redis may be tried again after a failure.
#[derive(Debug)]
struct Backoff {
    started: Instant,
    /// Milliseconds after `started` until which Redis is skipped.
    until_ms: AtomicU64,
}

impl Backoff {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn active(&self) -> bool {
        self.now_ms() < self.until_ms.load(Ordering::Relaxed)
    }

    fn start(&self) {
        let until = self.now_ms() + BACKOFF.as_millis() as u64;
        self.until_ms.store(until, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for RedisPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisPool")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisPool {
    /// The pool `config` asks for (`None` without a URL), every operation
    /// bounded by its timeout. Never connects here: start-up never waits for
    /// Redis.
    pub fn from_config(config: &RedisConfig) -> Result<Option<Self>, RedisFailure> {
        let Some(url) = &config.url else {
            return Ok(None);
        };
        let manager = Manager(RedisConnectionManager::new(url.expose())?);
        let client = redis::Client::open(url.expose())?;
        let timeout = config.timeout;
        let pool = bb8::Pool::builder()
            .max_size(config.pool_size)
            .min_idle(None)
            .test_on_check_out(false)
            .connection_timeout(timeout.max(Duration::from_millis(10)))
            .retry_connection(false)
            .error_sink(Box::new(LogSink))
            .build_unchecked(manager);
        let backoff = Arc::new(Backoff {
            started: Instant::now(),
            until_ms: AtomicU64::new(0),
        });
        Ok(Some(RedisPool {
            pool,
            timeout,
            backoff,
            client,
            connections: Arc::default(),
        }))
    }

    /// True for a second after a failure: operations are skipped meanwhile.
    pub(crate) fn backing_off(&self) -> bool {
        self.backoff.active()
    }

    /// [`RedisFailure::Skipped`] during a backoff: the gate of [`RedisPool::run`]
    /// and [`RedisPool::run_shared`].
    fn not_backing_off(&self) -> Result<(), RedisFailure> {
        if self.backoff.active() {
            Err(RedisFailure::Skipped)
        } else {
            Ok(())
        }
    }

    /// Runs `op` on a pooled connection within the timeout, unless Redis failed
    /// less than a second ago.
    pub(crate) async fn run<T>(
        &self,
        op: impl AsyncFnOnce(&mut MultiplexedConnection) -> Result<T, redis::RedisError>,
    ) -> Result<T, RedisFailure> {
        self.not_backing_off()?;
        self.run_regardless(op).await
    }

    /// Like [`RedisPool::run`], but tried even during a backoff (a pending
    /// invalidation must land as soon as Redis is back). A connection whose
    /// command failed or was cut short leaves the pool; any failure starts the
    /// backoff.
    pub(crate) async fn run_regardless<T>(
        &self,
        op: impl AsyncFnOnce(&mut MultiplexedConnection) -> Result<T, redis::RedisError>,
    ) -> Result<T, RedisFailure> {
        self.bounded(async {
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
        })
        .await
    }

    /// Like [`RedisPool::run`], but on this thread's connection, shared with
    /// the thread's other requests (their commands pipelined): for the
    /// cache's commands on the request path, each one command or an atomic
    /// script.
    pub(crate) async fn run_shared<T>(
        &self,
        op: impl AsyncFnOnce(&mut MultiplexedConnection) -> Result<T, redis::RedisError>,
    ) -> Result<T, RedisFailure> {
        self.not_backing_off()?;
        let slot = self.connections.slot();
        self.bounded(async {
            let connection = slot
                .connection
                .get_or_try_init(|| self.client.get_multiplexed_async_connection())
                .await?;
            Ok(op(&mut connection.clone()).await?)
        })
        .await
    }

    /// `attempt` within the timeout. Any failure starts the backoff and
    /// renews every thread's connection (after a Redis restart, all are dead).
    async fn bounded<T>(
        &self,
        attempt: impl Future<Output = Result<T, RedisFailure>>,
    ) -> Result<T, RedisFailure> {
        let outcome = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(RedisFailure::Timeout),
        };
        if outcome.is_err() {
            self.backoff.start();
            self.connections.renew_all();
        }
        outcome
    }

    /// One `PING`: whether Redis answers now.
    pub(crate) async fn ping(&self) -> Result<(), RedisFailure> {
        self.run(async |conn| redis::cmd("PING").query_async::<String>(conn).await)
            .await
            .map(|_| ())
    }

    /// Runs `op` on a new connection of the current runtime, within the
    /// timeout, backoff or not. At shutdown the pooled connections are dead:
    /// their driver tasks ran on the server's worker runtimes, now stopped.
    pub(crate) async fn run_on_new_connection<T>(
        &self,
        op: impl AsyncFnOnce(&mut MultiplexedConnection) -> Result<T, redis::RedisError>,
    ) -> Result<T, RedisFailure> {
        let attempt = async {
            let mut conn = self.client.get_multiplexed_async_connection().await?;
            Ok(op(&mut conn).await?)
        };
        tokio::time::timeout(self.timeout, attempt)
            .await
            .unwrap_or(Err(RedisFailure::Timeout))
    }

    /// The text of `INFO` (for the monitoring figures).
    pub(crate) async fn info(&self) -> Result<String, RedisFailure> {
        self.run(async |conn| redis::cmd("INFO").query_async(conn).await)
            .await
    }
}
