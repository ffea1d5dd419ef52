//! Every SQL statement the service runs lives in this crate.
//!
//! Services call repositories; repositories return plain row structs (`PostCard`,
//! `CommentView`, ...) that already carry everything a page shows, loaded in a
//! constant number of statements by the eager-loading builders in [`post`].

pub mod analysis;
pub mod auth_token;
pub mod bulk;
pub mod category;
pub mod comment;
pub mod database;
pub mod error;
pub mod like;
pub mod monitoring;
pub mod post;
pub mod post_write;
pub mod query_monitor;
pub mod tag;
pub mod user;

pub use database::{Backend, DatabaseSettings};
pub use error::RepositoryError;
pub use sea_orm::{DatabaseConnection, Statement};
