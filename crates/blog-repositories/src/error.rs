//! The repository layer's error type.

use sea_orm::DbErr;

/// What can go wrong below the services: the database refused, or is out of reach.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// No pooled connection could be had in time, or the server is unreachable:
    /// the web layer answers 503.
    #[error("database unavailable: {0}")]
    Unavailable(DbErr),
    /// Any other database error: a bug or a broken schema.
    #[error("database error: {0}")]
    Database(DbErr),
    /// A bulk load was asked to fill a database that already holds data.
    #[error("the database is not empty")]
    NotEmpty,
}

impl From<DbErr> for RepositoryError {
    fn from(err: DbErr) -> Self {
        match err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => RepositoryError::Unavailable(err),
            other => RepositoryError::Database(other),
        }
    }
}
