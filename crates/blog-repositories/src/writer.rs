//! Every write goes through a [`Writer`]: a transaction (or, for a single
//! statement, the pool) that remembers which tables its statements changed.
//! Each write function declares the tables it changes next to the statement
//! that changes them, so the caller invalidates exactly what changed, after the
//! commit, without writing a table name itself.

use std::collections::BTreeSet;

use sea_orm::ConnectionTrait;

use crate::error::During;
use crate::{DbPool, DbTransaction, RepositoryError};

/// Runs write statements on `C` and collects the names of the tables they change.
#[derive(Debug)]
pub struct Writer<C> {
    conn: C,
    changed: BTreeSet<&'static str>,
}

/// The tables a finished write changed (for the cache's invalidation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedTables(BTreeSet<&'static str>);

impl ChangedTables {
    /// The table names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().copied()
    }
}

impl Writer<DbTransaction> {
    /// Starts a transaction: pass the writer to the write functions, then
    /// [`Writer::commit`]. Dropped without commit, it rolls back.
    pub async fn begin(db: &DbPool) -> Result<Self, RepositoryError> {
        let conn = db.begin().await.during("starting a transaction")?;
        Ok(Writer {
            conn,
            changed: BTreeSet::new(),
        })
    }

    /// Commits; returns the tables the transaction changed.
    pub async fn commit(self) -> Result<ChangedTables, RepositoryError> {
        self.conn
            .commit()
            .await
            .during("committing the transaction")?;
        Ok(ChangedTables(self.changed))
    }
}

impl Writer<DbPool> {
    /// Writes one statement at a time on the pool (each commits by itself).
    pub fn autocommit(db: &DbPool) -> Self {
        Writer {
            conn: db.clone(),
            changed: BTreeSet::new(),
        }
    }

    /// The tables the statements changed.
    pub fn finish(self) -> ChangedTables {
        ChangedTables(self.changed)
    }
}

impl<C: ConnectionTrait> Writer<C> {
    /// The tables changed so far (what an outbox row records before the commit).
    pub fn changed(&self) -> ChangedTables {
        ChangedTables(self.changed.clone())
    }

    /// The connection, for reads that must see this writer's own changes.
    pub fn reader(&self) -> &C {
        &self.conn
    }

    /// The connection for a statement that changes `tables` (written as
    /// `post::Entity.table_name()`; a delete names the tables its cascades
    /// reach too).
    pub(crate) fn changing(&mut self, tables: &[&'static str]) -> &C {
        self.changed.extend(tables.iter().copied());
        &self.conn
    }
}
