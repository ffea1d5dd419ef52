//! The service's database handle: sea-orm's pool as it is (prepared
//! statements, the default), or, behind PgBouncer in transaction mode, the
//! same pool speaking PostgreSQL's simple protocol ([`simple`]). Both count
//! every statement for the request that ran it. Repositories take any
//! `ConnectionTrait`, so they run unchanged on either, and in transactions.

mod simple;
mod transaction;

pub(crate) use simple::inline;

use std::time::Duration;

use sea_orm::sqlx::{self, pool::PoolConnection};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult,
    RuntimeErr, Statement,
};

pub use transaction::DbTransaction;

/// How statements reach PostgreSQL (SQLite ignores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Prepared statements (sqlx's extended protocol): for a direct
    /// connection, or a pooler in session mode.
    #[default]
    Extended,
    /// One `Query` message a statement, parameters written in as literals:
    /// nothing outlives a statement, as PgBouncer's transaction mode needs.
    Simple,
}

/// A pool of connections to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbPool {
    orm: DatabaseConnection,
    simple: bool,
    limits: simple::Limits,
}

impl DbPool {
    /// Wraps sea-orm's pool; `protocol` only matters on PostgreSQL. `slow`
    /// is the threshold above which a simple-protocol statement is logged,
    /// `statement_timeout` the longest one may run (sent with each; a direct
    /// connection has it set once, when it connects).
    pub(crate) fn new(
        orm: DatabaseConnection,
        protocol: Protocol,
        slow: Duration,
        statement_timeout: Duration,
    ) -> Self {
        let simple =
            protocol == Protocol::Simple && orm.get_database_backend() == DbBackend::Postgres;
        let limits = simple::Limits {
            slow,
            statement_timeout,
        };
        DbPool {
            orm,
            simple,
            limits,
        }
    }

    /// sea-orm's pool, for what needs it as such (migrations, pool figures).
    /// Its statements are prepared: not for use behind a transaction pooler.
    pub fn orm(&self) -> &DatabaseConnection {
        &self.orm
    }

    /// How this pool's statements reach the database.
    pub fn protocol(&self) -> Protocol {
        if self.simple {
            Protocol::Simple
        } else {
            Protocol::Extended
        }
    }

    /// Starts a transaction.
    pub async fn begin(&self) -> Result<DbTransaction, DbErr> {
        if self.simple {
            let tx = self.pg_pool().begin().await.map_err(acquire_failed)?;
            Ok(DbTransaction::simple(tx, self.limits))
        } else {
            Ok(DbTransaction::orm(
                sea_orm::TransactionTrait::begin(&self.orm).await?,
            ))
        }
    }

    /// Closes the pool, waiting for connections in use to come back.
    pub async fn close(self) -> Result<(), DbErr> {
        self.orm.close().await
    }

    fn pg_pool(&self) -> &sqlx::PgPool {
        self.orm.get_postgres_connection_pool()
    }

    /// A pooled PostgreSQL connection for one simple-protocol statement.
    async fn acquire(&self) -> Result<PoolConnection<sqlx::Postgres>, DbErr> {
        self.pg_pool().acquire().await.map_err(acquire_failed)
    }
}

/// The error sea-orm gives when no connection can be had.
fn acquire_failed(err: sqlx::Error) -> DbErr {
    match err {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        other => DbErr::Conn(RuntimeErr::SqlxError(other.into())),
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for DbPool {
    fn get_database_backend(&self) -> DbBackend {
        self.orm.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        if !self.simple {
            return self.orm.execute_raw(stmt).await;
        }
        simple::execute(&mut *self.acquire().await?, &stmt, self.limits).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        if !self.simple {
            return self.orm.execute_unprepared(sql).await;
        }
        simple::execute_text(&mut *self.acquire().await?, sql, self.limits).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        if !self.simple {
            return self.orm.query_one_raw(stmt).await;
        }
        Ok(self.query_all_raw(stmt).await?.into_iter().next())
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if !self.simple {
            return self.orm.query_all_raw(stmt).await;
        }
        simple::fetch(&mut *self.acquire().await?, &stmt, self.limits).await
    }
}
