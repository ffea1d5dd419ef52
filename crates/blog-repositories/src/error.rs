//! The repository layer's error type: what failed, why, and the database's own
//! error as the source.

use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr};

/// What can go wrong below the services. Every variant names the operation
/// that failed and keeps the driver's error as its source, so the one log line
/// of a failed request reads `loading the post cards: ...: caused by: ...`.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// No pooled connection could be had in time, the server is unreachable or
    /// going away, or the database is locked: the web layer answers 503.
    #[error("{operation}: the database is unavailable")]
    Unavailable {
        /// What the repository was doing.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: DbErr,
    },
    /// A unique index refused the row: a name or an address another request
    /// took first (the caller checked, and lost a race).
    #[error("{operation}: a unique value is already taken")]
    Duplicate {
        /// What was being done.
        operation: &'static str,
        /// The database's refusal.
        #[source]
        source: DbErr,
    },
    /// A write referred to a row that a concurrent request deleted (a foreign
    /// key violation): the client's target is gone, a 404.
    #[error("{operation}: a referenced row no longer exists")]
    MissingReference {
        /// What the repository was doing.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: DbErr,
    },
    /// The database refused a value the client sent (PostgreSQL's class 22,
    /// data exception: a NUL byte in text, a number out of range, ...): a 400.
    /// The services reject such values first; this catches the rest.
    #[error("{operation}: the database refused a value")]
    InvalidValue {
        /// What the repository was doing.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: DbErr,
    },
    /// Any other database error: a bug or a broken schema.
    #[error("{operation}: the statement failed")]
    Database {
        /// What the repository was doing.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: DbErr,
    },
    /// Migrations were asked of a simple-protocol pool: they use prepared
    /// statements, which a transaction pooler cannot keep.
    #[error(
        "migrations need a direct connection to PostgreSQL: run `blog migrate` with DATABASE_URL naming the server, not PgBouncer, and BLOG_DB_PROTOCOL unset"
    )]
    MigrationsNeedDirectConnection,
    /// A bulk load was asked to fill a database that already holds data.
    #[error("the database is not empty")]
    NotEmpty,
}

impl RepositoryError {
    /// Classifies `source`, the error of `operation`.
    pub fn from_db(operation: &'static str, source: DbErr) -> Self {
        if is_unavailable(&source) {
            RepositoryError::Unavailable { operation, source }
        } else if is_foreign_key_violation(&source) {
            RepositoryError::MissingReference { operation, source }
        } else if is_unique_violation(&source) {
            RepositoryError::Duplicate { operation, source }
        } else if is_invalid_value(&source) {
            RepositoryError::InvalidValue { operation, source }
        } else {
            RepositoryError::Database { operation, source }
        }
    }
}

/// Names the operation of a database call: `query.await.during("counting posts")?`.
pub(crate) trait During<T> {
    /// The result, with a failure classified and labelled with `operation`.
    fn during(self, operation: &'static str) -> Result<T, RepositoryError>;
}

impl<T> During<T> for Result<T, DbErr> {
    fn during(self, operation: &'static str) -> Result<T, RepositoryError> {
        self.map_err(|source| RepositoryError::from_db(operation, source))
    }
}

/// True when `err` says the database cannot serve us now rather than that the
/// statement is wrong: the request may succeed later, so it deserves a 503.
fn is_unavailable(err: &DbErr) -> bool {
    let runtime = match err {
        // Whatever broke while connecting (refused, reset, a handshake cut
        // short) is the server being away, not the statement being wrong;
        // but refused credentials (class 28) are a configuration to fix.
        DbErr::Conn(_) => return !database_code(err).is_some_and(|c| c.starts_with("28")),
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx_err) = runtime else {
        return false;
    };
    match sqlx_err.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => matches!(
            db.code().as_deref(),
            // PostgreSQL: too many connections, the statement timeout, a lock
            // not available, shutting down, cannot connect now, crash
            // recovery, connection failures; SQLite: busy, locked.
            Some(
                "53300"
                    | "57014"
                    | "55P03"
                    | "57P01"
                    | "57P02"
                    | "57P03"
                    | "08000"
                    | "08003"
                    | "08006"
                    | "5"
                    | "6"
            )
        ),
        _ => false,
    }
}

/// PostgreSQL's class 22 (data exception): 22021 (a byte sequence invalid
/// in the encoding, such as NUL), 22P02, 22001, 22003, ...; or a value the
/// driver could not encode to send at all.
fn is_invalid_value(err: &DbErr) -> bool {
    if let DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) = err
        && matches!(e.as_ref(), sqlx::Error::Encode(_))
    {
        return true;
    }
    database_code(err).is_some_and(|code| code.len() == 5 && code.starts_with("22"))
}

/// The SQLSTATE (PostgreSQL) or extended result code (SQLite) of `err`.
fn database_code(err: &DbErr) -> Option<String> {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = err
    else {
        return None;
    };
    match e.as_ref() {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// PostgreSQL's 23503, SQLite's SQLITE_CONSTRAINT_FOREIGNKEY (787).
/// PostgreSQL's `unique_violation`; SQLite's `SQLITE_CONSTRAINT_UNIQUE` and
/// `_PRIMARYKEY`.
fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        database_code(err).as_deref(),
        Some("23505" | "2067" | "1555")
    )
}

fn is_foreign_key_violation(err: &DbErr) -> bool {
    matches!(database_code(err).as_deref(), Some("23503" | "787"))
}
