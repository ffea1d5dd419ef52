//! Connecting, migrating and health-checking the database (SQLite or PostgreSQL).

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{self, Executor};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend, Statement};

use crate::error::During;
use crate::{DbPool, Protocol, RepositoryError, SecretUrl, statement_counter};

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
    /// How statements reach PostgreSQL: prepared (the default), or the simple
    /// protocol that PgBouncer's transaction mode needs.
    pub protocol: Protocol,
    /// A statement slower than this is logged as a warning.
    pub slow_statement: Duration,
    /// PostgreSQL cancels a statement running longer than this, and the
    /// request gets a 503: a stalled database (a lock held) never hangs it.
    /// Zero: no limit (maintenance).
    pub statement_timeout: Duration,
    /// `blog serve` applies pending migrations before it serves.
    pub migrate_on_start: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: SecretUrl::new(format!("sqlite://{DEFAULT_SQLITE_FILE}?mode=rwc")),
            pool: PoolConfig::default(),
            protocol: Protocol::Extended,
            slow_statement: Duration::from_millis(100),
            statement_timeout: Duration::from_secs(5),
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
    /// The same database for maintenance (migrations, bulk loads, analysis):
    /// two connections, and no statement timeout, which is for requests.
    pub fn for_maintenance(&self) -> DatabaseConfig {
        DatabaseConfig {
            statement_timeout: Duration::ZERO,
            pool: PoolConfig {
                max_connections: 2,
                min_connections: 0,
                ..self.pool
            },
            ..self.clone()
        }
    }

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

/// What every connection of the service's pool sets: no parallel plans. A
/// page's statements read a few dozen rows; a parallel plan (chosen when the
/// planner cannot see that a part will not run, as in a search's older part)
/// costs more to start, 4 ms of launching workers at 200,000 posts, than it
/// saves, and takes cores from the other requests. (Migrations, the seed and
/// `blog analyze` use a pool of their own.)
pub(crate) const SESSION_SETTINGS: &str = "SET max_parallel_workers_per_gather = 0";

/// Opens the pool, with every statement reported to [`statement_counter`] and
/// slow ones logged. It connects lazily: a database that is not reachable yet
/// does not stop the service from starting (its requests get 503 meanwhile).
pub async fn connect(config: &DatabaseConfig) -> Result<DbPool, RepositoryError> {
    let pool = &config.pool;
    let mut options = ConnectOptions::new(config.url.expose().to_owned());
    let timeout_ms = config.statement_timeout.as_millis();
    let direct = config.protocol == Protocol::Extended;
    options
        .connect_lazy(true)
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
        })
        .map_sqlx_postgres_pool_opts(move |opts| {
            // Each new connection gets the settings and the timeout, in one simple-protocol
            // statement (a pooler in session mode passes it on, where it
            // would refuse an `options` startup parameter). Behind PgBouncer
            // in transaction mode the simple protocol sends it with each
            // statement instead.
            if !direct {
                return opts;
            }
            let set = format!("{SESSION_SETTINGS}; SET statement_timeout = {timeout_ms}");
            opts.after_connect(move |conn, _| {
                let set = set.clone();
                Box::pin(async move {
                    conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(set)))
                        .await?;
                    Ok(())
                })
            })
        });
    let mut db = Database::connect(options)
        .await
        .during("connecting to the database")?;

    let slow = config.slow_statement;
    db.set_metric_callback(move |info| {
        statement_counter::observe(&info.statement.sql, info.elapsed, info.failed, slow);
    });
    Ok(DbPool::new(
        db,
        config.protocol,
        slow,
        config.statement_timeout,
    ))
}

/// One trivial statement: whether the database answers now.
pub async fn ping(db: &impl ConnectionTrait) -> Result<(), RepositoryError> {
    db.execute_unprepared("SELECT 1")
        .await
        .during("connecting to the database")?;
    Ok(())
}

/// Applies every pending migration. Migrations use prepared statements, so
/// they need a direct connection, never a transaction pooler.
pub async fn migrate(db: &DbPool) -> Result<(), RepositoryError> {
    if db.protocol() == Protocol::Simple {
        return Err(RepositoryError::MigrationsNeedDirectConnection);
    }
    Migrator::up(db.orm(), None)
        .await
        .during("applying the migrations")
}

/// The migrations this build knows that the database has not applied, by
/// name, read in one statement that works in either protocol.
pub async fn pending_migrations(db: &impl ConnectionTrait) -> Result<Vec<String>, RepositoryError> {
    let read = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            r#"SELECT "version" FROM "seaql_migrations""#,
        ))
        .await
        .during("reading the applied migrations");
    let rows = match read {
        Ok(rows) => rows,
        // No migration table: nothing applied yet.
        Err(RepositoryError::Database { .. }) => Vec::new(),
        Err(other) => return Err(other),
    };
    let applied: Vec<String> = rows
        .iter()
        .map(|row| row.try_get::<String>("", "version"))
        .collect::<Result<_, _>>()
        .during("reading the applied migrations")?;
    Ok(Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .filter(|name| !applied.contains(name))
        .collect())
}
