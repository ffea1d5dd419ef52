//! How busy the database is, for the monitoring endpoint: the pool's use and,
//! on PostgreSQL, the server's own activity counters.

use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use crate::DbPool;

use crate::error::During;
use crate::{Backend, RepositoryError};

/// The connection pool right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections (idle and in use).
    pub size: u32,
    /// Open connections no request holds.
    pub idle: u32,
    /// Open connections a request holds.
    pub in_use: u32,
    /// The most the pool will open.
    pub max: u32,
}

/// Server-side activity (PostgreSQL only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct DatabaseActivity {
    /// Backends running a statement in this database now (`pg_stat_activity`).
    pub active_connections: i64,
    /// Commits and rollbacks of this database since the statistics reset
    /// (`pg_stat_database`).
    pub total_transactions: i64,
}

/// The pool's size and use, without a statement.
pub fn pool_stats(db: &DbPool) -> PoolStats {
    let (size, idle, max) = match Backend::of(db) {
        Backend::Postgres => {
            let pool = db.orm().get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle() as u32,
                pool.options().get_max_connections(),
            )
        }
        Backend::Sqlite => {
            let pool = db.orm().get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle() as u32,
                pool.options().get_max_connections(),
            )
        }
    };
    PoolStats {
        size,
        idle,
        in_use: size.saturating_sub(idle),
        max,
    }
}

/// PostgreSQL's activity counters in one statement; `None` on SQLite.
pub async fn server_activity(
    db: &impl ConnectionTrait,
) -> Result<Option<DatabaseActivity>, RepositoryError> {
    if Backend::of(db) != Backend::Postgres {
        return Ok(None);
    }
    let statement = Statement::from_string(
        db.get_database_backend(),
        "SELECT (SELECT COUNT(*) FROM pg_stat_activity \
          WHERE state = 'active' AND datname = current_database()) AS active_connections, \
         (SELECT COALESCE(xact_commit + xact_rollback, 0) FROM pg_stat_database \
          WHERE datname = current_database()) AS total_transactions",
    );
    const OPERATION: &str = "reading the server's activity counters";
    let row = db.query_one_raw(statement).await.during(OPERATION)?;
    row.map(|row| DatabaseActivity::from_query_result(&row, ""))
        .transpose()
        .during(OPERATION)
}
