//! The service layer's error type; the web crate maps each variant to a status.

use std::collections::BTreeMap;

use blog_repositories::RepositoryError;

/// Why a service call did not give its result.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request is malformed (bad page number, unknown category, ...): 400.
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, or wrong ones: 401.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but not allowed to touch this: 403.
    #[error("{0}")]
    Forbidden(String),
    /// Well-formed, but some fields are invalid (field -> why): 422.
    #[error("invalid fields")]
    Invalid(BTreeMap<&'static str, String>),
    /// The thing asked for does not exist: 404.
    #[error("{0}")]
    NotFound(String),
    /// There is no such thing of this kind (`article`, `comment`, `profile`):
    /// 404, the kind named (the RealWorld API's errors name it).
    #[error("{0} not found")]
    NoSuch(&'static str),
    /// This thing of this kind is someone else's: 403, the kind named.
    #[error("only its author may change this {0}")]
    NotYours(&'static str),
    /// The request collides with an earlier one (an `Idempotency-Key` sent
    /// with another request, or whose first request is unfinished): 409.
    #[error("{0}")]
    Conflict(String),
    /// A name or an address another account has (the field): 409.
    #[error("{0} has already been taken")]
    Taken(&'static str),
    /// Too many failed attempts: 429, to retry after the given time.
    #[error("too many failed attempts; retry later")]
    TooManyRequests {
        /// When the client may try again.
        retry_after: std::time::Duration,
    },
    /// Every worker for this kind of request is busy: 503, retry shortly.
    #[error("too busy; retry shortly")]
    Overloaded {
        /// When the client may try again.
        retry_after: std::time::Duration,
    },
    /// The database cannot be reached in time: 503.
    #[error("database unavailable")]
    Unavailable(#[source] RepositoryError),
    /// Anything else below us: a bug, 500.
    #[error("internal error")]
    Internal(#[source] RepositoryError),
}

impl From<RepositoryError> for ServiceError {
    fn from(err: RepositoryError) -> Self {
        match err {
            RepositoryError::Unavailable { .. } => ServiceError::Unavailable(err),
            RepositoryError::MissingReference { .. } => {
                ServiceError::NotFound("what this refers to was deleted meanwhile".into())
            }
            RepositoryError::Duplicate { .. } => {
                ServiceError::Conflict("a name or an address was taken meanwhile".into())
            }
            RepositoryError::InvalidValue { .. } => ServiceError::BadRequest(
                "the request holds a value the database cannot store".into(),
            ),
            RepositoryError::Database { .. }
            | RepositoryError::NotEmpty
            | RepositoryError::MigrationsNeedDirectConnection => ServiceError::Internal(err),
        }
    }
}

/// `err` and its sources, outermost first: `outer: caused by: inner`. The one
/// log line of a failure prints this, never a `Debug` dump.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Drivers often repeat their source in their own message: say it once.
        if !text.ends_with(&cause_text) {
            text.push_str(": caused by: ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_the_message_already_ends_with_is_said_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer: inner failed")]
        struct Outer(#[source] Inner);
        #[derive(Debug, thiserror::Error)]
        #[error("inner failed")]
        struct Inner;
        assert_eq!(chain(&Outer(Inner)), "outer: inner failed");
    }

    #[test]
    fn the_chain_names_every_cause() {
        let err = ServiceError::Internal(RepositoryError::from_db(
            "counting the posts",
            sea_orm::DbErr::Custom("relation \"posts\" does not exist".into()),
        ));
        assert_eq!(
            chain(&err),
            "internal error: caused by: counting the posts: the statement failed: \
             caused by: Custom Error: relation \"posts\" does not exist"
        );
    }
}
