//! The composition root: [`Application::build`] turns a [`Config`] into a
//! running service (pools, cache, services, background tasks, the listener and
//! the server). `blog serve` and every HTTP test start through it, so the
//! mapping from configuration to the running service is what the tests test.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use blog_repositories::{DbPool, Protocol, RepositoryError, bulk, database};
use blog_services::dataset::{self, DatasetSpec};
use blog_services::error::chain;
use blog_services::redis::RedisFailure;
use blog_services::{PasswordHasher, ServiceError};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::prometheus;
use crate::routes;
use crate::server;
pub use crate::server::ServerConfig;
use crate::state::AppState;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database cannot be reached (the URL is shown without its password).
    #[error("cannot connect to the database ({url})")]
    Database {
        /// `DATABASE_URL`, redacted.
        url: String,
        /// Why.
        #[source]
        source: RepositoryError,
    },
    /// A migration failed (the error names the operation).
    #[error(transparent)]
    Migrate(RepositoryError),
    /// Behind PgBouncer the service cannot migrate, and migrations are pending.
    #[error(
        "migrations pending ({}): run `blog migrate` against PostgreSQL directly first",
        .0.join(", ")
    )]
    MigrationsPending(Vec<String>),
    /// The demo dataset could not be written.
    #[error("filling the demo dataset")]
    Demo(#[source] ServiceError),
    /// `REDIS_URL` is not a URL the Redis client accepts.
    #[error("invalid REDIS_URL")]
    Redis(#[source] RedisFailure),
    /// A listening address (`BLOG_BIND`, `BLOG_METRICS_BIND`) is taken or not ours.
    #[error("cannot listen on {address}")]
    Bind {
        /// `BLOG_BIND`.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl StartupError {
    /// True when waiting may cure it: the database does not answer yet, or
    /// (behind PgBouncer) another process has yet to migrate it.
    fn is_transient(&self) -> bool {
        match self {
            StartupError::Migrate(err) => matches!(err, RepositoryError::Unavailable { .. }),
            StartupError::MigrationsPending(_) => true,
            StartupError::Demo(err) => matches!(err, ServiceError::Unavailable(_)),
            _ => false,
        }
    }
}

/// A built service, listening; [`Application::run_until_stopped`] serves.
pub struct Application {
    address: SocketAddr,
    server: Server,
    /// The separate `/metrics` server (`BLOG_METRICS_BIND`), if any.
    metrics: Option<(SocketAddr, Server)>,
    db: DbPool,
    state: AppState,
    background: Vec<JoinHandle<()>>,
}

/// Stops a running [`Application`] (tests; signals do the same for `serve`).
#[derive(Clone)]
pub struct ShutdownHandle {
    server: ServerHandle,
    metrics: Option<ServerHandle>,
}

impl ShutdownHandle {
    /// Stops accepting; with `graceful`, in-flight requests finish first.
    pub async fn stop(&self, graceful: bool) {
        self.server.stop(graceful).await;
        if let Some(metrics) = &self.metrics {
            metrics.stop(graceful).await;
        }
    }
}

impl Application {
    /// Opens the pools (lazily), prepares the database (migrations, the demo
    /// data on an empty embedded one, the first outbox poll), builds the
    /// services, starts the background tasks and binds the listener. A
    /// database that does not answer yet does not stop it: after one attempt
    /// (at most the acquire timeout) it listens anyway, preparation is
    /// retried in the background, and requests get 503 until it succeeds.
    pub async fn build(config: &Config) -> Result<Application, StartupError> {
        let db = connect(config).await?;
        let state = AppState::new(db.clone(), config)?;
        let retry_preparation = match prepare(&db, config, &state).await {
            Ok(()) => {
                state.started.done();
                false
            }
            Err(err) if err.is_transient() => {
                tracing::warn!(error = %chain(&err), "not ready yet: retrying every second");
                true
            }
            Err(err) => return Err(err),
        };
        prometheus::recorder();
        let (listener, address) = bind(config.server.bind)?;
        let server = server::serve(listener, state.clone(), &config.server)
            .map_err(|source| StartupError::Bind { address, source })?;
        let metrics = match config.monitoring.metrics_bind {
            None => None,
            Some(bind_to) => {
                let (listener, address) = bind(bind_to)?;
                let server = routes::metrics_server(listener, state.clone())
                    .map_err(|source| StartupError::Bind { address, source })?;
                Some((address, server))
            }
        };
        let mut background = spawn_background(&state, config);
        if retry_preparation {
            let (db, config, state) = (db.clone(), config.clone(), state.clone());
            background.push(spawn_preparation(db, config, state));
        }
        Ok(Application {
            address,
            server,
            metrics,
            db,
            state,
            background,
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The address `/metrics` is served on, when it has one of its own.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(address, _)| *address)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The services it runs (tests read the cache's statistics).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Its database pool (tests cut it to see the service degrade).
    pub fn database(&self) -> &DbPool {
        &self.db
    }

    /// A handle that stops the server.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            server: self.server.handle(),
            metrics: self.metrics.as_ref().map(|(_, server)| server.handle()),
        }
    }

    /// Serves until stopped (SIGINT, SIGTERM, or the shutdown handle), then
    /// stops the background tasks and flushes the analytics counts.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.map(|(_, server)| {
            let handle = server.handle();
            (handle, tokio::spawn(server))
        });
        let served = self.server.await;
        if let Some((handle, task)) = metrics {
            handle.stop(true).await;
            let _ = task.await;
        }
        for task in &self.background {
            task.abort();
        }
        self.state.analytics.flush_on_exit().await;
        self.db.close().await.ok();
        served
    }
}

/// A listener on `address`, and the address it really got (port 0: any).
fn bind(address: SocketAddr) -> Result<(TcpListener, SocketAddr), StartupError> {
    let bound = TcpListener::bind(address)
        .and_then(|listener| Ok((listener.local_addr()?, listener)))
        .map_err(|source| StartupError::Bind { address, source })?;
    Ok((bound.1, bound.0))
}

/// Opens the pool `config.database` describes (lazily: it connects on use).
pub async fn connect(config: &Config) -> Result<DbPool, StartupError> {
    database::connect(&config.database)
        .await
        .map_err(unreachable(config))
}

/// The error naming the database (its URL redacted) that `source` came from.
fn unreachable(config: &Config) -> impl Fn(RepositoryError) -> StartupError + '_ {
    |source| StartupError::Database {
        url: config.database.url.redacted(),
        source,
    }
}

/// Opens a maintenance pool (two connections, no statement timeout) and waits
/// for the database's first answer: a command (`migrate`, `seed`, `analyze`)
/// fails at once, naming the database, when it cannot reach it.
pub async fn connect_now(config: &Config) -> Result<DbPool, StartupError> {
    let db = database::connect(&config.database.for_maintenance())
        .await
        .map_err(unreachable(config))?;
    database::ping(&db).await.map_err(unreachable(config))?;
    Ok(db)
}

/// Retries [`prepare`] every second until it succeeds, then lets traffic in.
fn spawn_preparation(db: DbPool, config: Config, state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut told_fatal = false;
        for attempt in 1u64.. {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let err = match prepare(&db, &config, &state).await {
                Ok(()) => {
                    state.started.done();
                    tracing::info!(attempt, "the database answers: serving");
                    return;
                }
                Err(err) => err,
            };
            // Every 30 s, and at once the first time waiting will not cure it.
            let fatal = !err.is_transient() && !told_fatal;
            if attempt % 30 == 0 || fatal {
                tracing::error!(attempt, error = %chain(&err), "still not ready");
                told_fatal |= fatal;
            }
        }
    })
}

/// Migrates (unless `BLOG_AUTO_MIGRATE=false`), on the embedded default fills
/// an empty database with the demo dataset, then polls the outbox once (so no
/// page is read from a cache some write made stale; if Redis does not answer,
/// the cache stays off until a later poll succeeds). Behind a transaction
/// pooler (the simple protocol) migrations cannot run: it checks that none is
/// pending instead, so an instance never serves an older schema than its code.
async fn prepare(db: &DbPool, config: &Config, state: &AppState) -> Result<(), StartupError> {
    migrate_or_check(db, config).await?;
    if config.embedded() {
        fill_demo(db).await?;
    }
    state.outbox.poll().await;
    Ok(())
}

/// Applies the pending migrations, or (simple protocol) refuses while any is
/// pending. Only when some is does it open the migrations' own connection.
async fn migrate_or_check(db: &DbPool, config: &Config) -> Result<(), StartupError> {
    let simple = db.protocol() == Protocol::Simple;
    if !simple && !config.database.migrate_on_start {
        return Ok(());
    }
    let pending = database::pending_migrations(db)
        .await
        .map_err(StartupError::Migrate)?;
    if pending.is_empty() {
        return Ok(());
    }
    if simple {
        return Err(StartupError::MigrationsPending(pending));
    }
    // On a connection of its own, without the requests' statement timeout.
    let maintenance = database::connect(&config.database.for_maintenance())
        .await
        .map_err(StartupError::Migrate)?;
    let migrated = database::migrate(&maintenance).await;
    maintenance.close().await.ok();
    migrated.map_err(StartupError::Migrate)
}

/// Fills an empty embedded database with the demo dataset.
async fn fill_demo(db: &DbPool) -> Result<(), StartupError> {
    let empty = bulk::is_empty(db)
        .await
        .map_err(|err| StartupError::Demo(err.into()))?;
    if empty {
        tracing::info!(
            posts = dataset::DEMO_POSTS,
            "empty database: filling it with the demo dataset"
        );
        let spec = DatasetSpec::new(dataset::DEMO_POSTS);
        let report = dataset::seed(db, &spec, &PasswordHasher::default(), &mut |_, _| {})
            .await
            .map_err(StartupError::Demo)?;
        tracing::info!(
            rows = report.rows,
            elapsed_ms = report.elapsed.as_millis() as u64,
            "demo dataset ready"
        );
        // The demo's one secret, told once to whoever started it.
        tracing::info!(
            "sign in at /monitoring/login/ as {} with password {}",
            dataset::ADMIN_USERNAME,
            spec.admin_password
        );
    }
    Ok(())
}

/// The periodic work of a running service: monitoring samples, analytics
/// flushes, the Prometheus recorder's upkeep and the outbox poller.
fn spawn_background(state: &AppState, config: &Config) -> Vec<JoinHandle<()>> {
    let sampler = state
        .monitoring
        .spawn_sampler(config.monitoring.sample_interval);
    let analytics = state.analytics.clone();
    let interval: Duration = config.analytics.flush_interval;
    let flusher = tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            analytics.flush().await;
            if let Some(handle) = prometheus::recorder() {
                handle.run_upkeep();
            }
        }
    });
    let outbox = state.outbox.spawn_poller(config.cache.outbox_poll_interval);
    vec![sampler, flusher, outbox]
}
