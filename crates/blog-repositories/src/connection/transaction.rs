//! A transaction on a [`DbPool`](super::DbPool), in either protocol.

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement,
};
use tokio::sync::Mutex;

use super::simple;

/// A transaction: committed by [`DbTransaction::commit`], rolled back when
/// dropped without it.
pub struct DbTransaction {
    inner: Inner,
}

enum Inner {
    Orm(DatabaseTransaction),
    /// The statements of a transaction run one at a time; the lock only
    /// gives `&self` methods the connection.
    Simple {
        tx: Mutex<simple::Transaction>,
        limits: simple::Limits,
    },
}

impl std::fmt::Debug for DbTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let protocol = match self.inner {
            Inner::Orm(_) => "extended",
            Inner::Simple { .. } => "simple",
        };
        f.debug_struct("DbTransaction")
            .field("protocol", &protocol)
            .finish()
    }
}

impl DbTransaction {
    pub(super) fn orm(tx: DatabaseTransaction) -> Self {
        DbTransaction {
            inner: Inner::Orm(tx),
        }
    }

    pub(super) fn simple(tx: simple::Transaction, limits: simple::Limits) -> Self {
        DbTransaction {
            inner: Inner::Simple {
                tx: Mutex::new(tx),
                limits,
            },
        }
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), DbErr> {
        match self.inner {
            Inner::Orm(tx) => tx.commit().await,
            Inner::Simple { tx, .. } => tx
                .into_inner()
                .commit()
                .await
                .map_err(|e| DbErr::Query(RuntimeErr::SqlxError(e.into()))),
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for DbTransaction {
    fn get_database_backend(&self) -> DbBackend {
        match &self.inner {
            Inner::Orm(tx) => tx.get_database_backend(),
            Inner::Simple { .. } => DbBackend::Postgres,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.inner {
            Inner::Orm(tx) => tx.execute_raw(stmt).await,
            Inner::Simple { tx, limits } => {
                simple::execute(&mut **tx.lock().await, &stmt, *limits).await
            }
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.inner {
            Inner::Orm(tx) => tx.execute_unprepared(sql).await,
            Inner::Simple { tx, limits } => {
                simple::execute_text(&mut **tx.lock().await, sql, *limits).await
            }
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.inner {
            Inner::Orm(tx) => tx.query_one_raw(stmt).await,
            Inner::Simple { .. } => Ok(self.query_all_raw(stmt).await?.into_iter().next()),
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.inner {
            Inner::Orm(tx) => tx.query_all_raw(stmt).await,
            Inner::Simple { tx, limits } => {
                simple::fetch(&mut **tx.lock().await, &stmt, *limits).await
            }
        }
    }
}
