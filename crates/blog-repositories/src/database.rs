//! Connecting, migrating and health-checking the database (SQLite or PostgreSQL).

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    Statement, TransactionTrait,
};

use crate::{RepositoryError, query_monitor};

/// Pool and monitoring settings; the web crate fills them from configuration.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `sqlite://file?mode=rwc` or `postgres://...`.
    pub url: String,
    pub max_connections: u32,
    pub min_connections: u32,
    /// How long a request waits for a pooled connection before giving up (503).
    pub acquire_timeout: Duration,
    /// Idle connections above `min_connections` are closed after this long.
    pub idle_timeout: Duration,
    /// Connections are recycled after this long, whatever their use.
    pub max_lifetime: Duration,
    /// A statement slower than this is logged as a warning.
    pub slow_statement: Duration,
    /// Keep sqlx's per-connection prepared-statement cache. Turn it off behind
    /// PgBouncer in transaction mode, where a connection is not yours between
    /// transactions.
    pub statement_cache: bool,
}

impl DatabaseSettings {
    /// Defaults from `cli.md`, for the given URL.
    pub fn new(url: impl Into<String>) -> Self {
        DatabaseSettings {
            url: url.into(),
            max_connections: 20,
            min_connections: 5,
            acquire_timeout: Duration::from_millis(2000),
            idle_timeout: Duration::from_secs(600),
            max_lifetime: Duration::from_secs(1800),
            slow_statement: Duration::from_millis(100),
            statement_cache: true,
        }
    }
}

/// Which database engine a connection talks to; some queries differ (search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
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

/// Opens the pool, with every statement reported to [`query_monitor`] and slow
/// ones logged.
pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, RepositoryError> {
    let mut options = ConnectOptions::new(settings.url.clone());
    options
        .max_connections(settings.max_connections)
        .min_connections(settings.min_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_timeout(settings.acquire_timeout)
        .idle_timeout(settings.idle_timeout)
        .max_lifetime(settings.max_lifetime)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            // WAL lets readers run beside the writer; NORMAL sync is safe under WAL.
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    if !settings.statement_cache {
        options.map_sqlx_postgres_opts(|opts| opts.statement_cache_capacity(0));
    }
    let mut db = Database::connect(options).await?;

    let slow = settings.slow_statement;
    db.set_metric_callback(move |info| {
        query_monitor::record(&info.statement.sql, info.elapsed);
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

/// Starts a transaction: pass it to the write functions, then [`commit`].
/// Dropped without commit, it rolls back.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, RepositoryError> {
    Ok(db.begin().await?)
}

/// Commits a transaction from [`begin`].
pub async fn commit(txn: DatabaseTransaction) -> Result<(), RepositoryError> {
    Ok(txn.commit().await?)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), RepositoryError> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// One round trip to the database: the health check. A real `SELECT 1`, not
/// the driver's ping, so that the request monitor counts it like any statement.
pub async fn ping(db: &DatabaseConnection) -> Result<(), RepositoryError> {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT 1",
    ))
    .await?;
    Ok(())
}
