//! Every SQL statement the service runs lives in this crate.
//!
//! One style throughout: each module holds free functions over any connection
//! (`&impl ConnectionTrait`: the pool, or a transaction), so every read can run
//! inside a transaction; every write takes a [`Writer`], which records the
//! tables it changes. Functions return plain rows (`PostCardRow`, `CommentRow`,
//! ...) that already carry everything a page shows, loaded in a constant number
//! of statements by the eager-loading builders in [`post`].

pub mod activity;
pub mod auth_token;
pub mod bulk;
pub mod category;
pub mod comment;
pub mod connection;
pub mod counters;
pub mod database;
pub mod error;
pub mod follow;
pub mod idempotency;
pub mod like;
pub mod outbox;
pub mod pg_stats;
pub mod post;
pub mod secret_url;
pub mod statement_counter;
pub mod tag;
pub mod user;
pub mod writer;

pub use connection::{DbPool, DbTransaction, Protocol};
pub use database::{Backend, DatabaseConfig, PoolConfig};
pub use error::RepositoryError;
pub use sea_orm::Statement;
pub use secret_url::SecretUrl;
pub use writer::{ChangedTables, Writer};
