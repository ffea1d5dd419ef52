//! Business rules of the blog: what a page may ask for, what it gets, the
//! tag-invalidated cache, auth, the dashboard and the benchmark dataset.
//! Services call repositories and return domain values; the web layer calls
//! services and owns every wire format.

pub mod analytics;
pub mod auth;
pub mod cache;
mod cache_tags;
pub mod dashboard;
pub mod database_report;
pub mod dataset;
pub mod error;
pub mod external;
pub mod health;
pub mod idempotency;
pub mod monitoring;
pub mod outbox;
pub mod pagination;
pub mod password;
pub mod posts;
pub mod profiles;
pub mod redis;

#[cfg(test)]
mod cache_schemas;

pub use error::ServiceError;
pub use pagination::Page;
pub use password::PasswordHasher;
pub use posts::PostService;
