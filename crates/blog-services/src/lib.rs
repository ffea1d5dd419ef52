//! Business rules of the blog: what a page may ask for, what it gets, and the
//! benchmark dataset. Services call repositories; the web layer calls services.

pub mod analysis;
pub mod analytics;
pub mod auth;
pub mod cache;
pub mod dashboard;
pub mod dataset;
pub mod error;
pub mod external;
pub mod health;
pub mod monitoring;
pub mod pagination;
pub mod password;
pub mod post;

pub use error::ServiceError;
pub use pagination::Page;
pub use password::PasswordHasher;
pub use post::PostService;
