//! Connecting, migrating and health-checking the database (SQLite or PostgreSQL).

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

use crate::error::During;
use crate::{RepositoryError, SecretUrl, statement_counter};

/// The SQLite file the embedded default creates in the working directory.
pub const DEFAULT_SQLITE_FILE: &str = "blog.sqlite3";

/// The `database` section of the configuration: where the data lives and how
/// the pool treats it. Its `Default` is the embedded default.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseConfig {
    /// `sqlite://file?mode=rwc` or `postgres://...`.
    pub url: SecretUrl,
    /// How many connections the pool keeps, and how long it waits for one.
    pub pool: PoolConfig,
    /// Keep sqlx's per-connection prepared-statement cache. Turn it off behind
    /// PgBouncer in transaction mode, where a connection is not yours between
    /// transactions.
    pub statement_cache: bool,
    /// A statement slower than this is logged as a warning.
    pub slow_statement: Duration,
    /// `blog serve` applies pending migrations before it serves.
    pub migrate_on_start: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: SecretUrl::new(format!("sqlite://{DEFAULT_SQLITE_FILE}?mode=rwc")),
            pool: PoolConfig::default(),
            statement_cache: true,
            slow_statement: Duration::from_millis(100),
            migrate_on_start: true,
        }
    }
}

/// The connection pool's size and timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// The most connections the pool opens.
    pub max_connections: u32,
    /// Connections kept open even when idle.
    pub min_connections: u32,
    /// How long a request waits for a pooled connection before giving up (503).
    pub acquire_timeout: Duration,
    /// Idle connections above `min_connections` are closed after this long.
    pub idle_timeout: Duration,
    /// Connections are recycled after this long, whatever their use.
    pub max_lifetime: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_connections: 20,
            min_connections: 5,
            acquire_timeout: Duration::from_millis(2000),
            idle_timeout: Duration::from_secs(600),
            max_lifetime: Duration::from_secs(1800),
        }
    }
}

impl DatabaseConfig {
    /// True when the URL names a SQLite database.
    pub fn is_sqlite(&self) -> bool {
        self.url.has_scheme(&["sqlite:"])
    }
}

/// Which database engine a connection talks to; some queries differ (search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: the embedded default and the tests' default.
    Sqlite,
    /// PostgreSQL: production.
    Postgres,
}

impl Backend {
    /// The engine behind `db`.
    pub fn of(db: &impl ConnectionTrait) -> Backend {
        match db.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
}

/// Opens the pool, with every statement reported to [`statement_counter`] and
/// slow ones logged.
pub async fn connect(config: &DatabaseConfig) -> Result<DatabaseConnection, RepositoryError> {
    let pool = &config.pool;
    let mut options = ConnectOptions::new(config.url.expose().to_owned());
    options
        .max_connections(pool.max_connections)
        .min_connections(pool.min_connections)
        .acquire_timeout(pool.acquire_timeout)
        .connect_timeout(pool.acquire_timeout)
        .idle_timeout(pool.idle_timeout)
        .max_lifetime(pool.max_lifetime)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            // WAL lets readers run beside the writer; NORMAL sync is safe under WAL.
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    if !config.statement_cache {
        options.map_sqlx_postgres_opts(|opts| opts.statement_cache_capacity(0));
    }
    let mut db = Database::connect(options)
        .await
        .during("connecting to the database")?;

    let slow = config.slow_statement;
    db.set_metric_callback(move |info| {
        statement_counter::record(&info.statement.sql, info.elapsed);
        if info.elapsed > slow {
            let sql: String = info.statement.sql.chars().take(200).collect();
            tracing::warn!(
                elapsed_ms = info.elapsed.as_millis() as u64,
                failed = info.failed,
                %sql,
                "slow SQL statement"
            );
        }
    });
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), RepositoryError> {
    Migrator::up(db, None)
        .await
        .during("applying the migrations")
}

/// One round trip to the database: the health check. A real `SELECT 1`, not
/// the driver's ping, so that the request monitor counts it like any statement.
pub async fn ping(db: &impl ConnectionTrait) -> Result<(), RepositoryError> {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT 1",
    ))
    .await
    .during("checking the database")?;
    Ok(())
}
