//! What every handler can reach: the services, built once at start.

use std::time::Duration;

use blog_repositories::DatabaseConnection;
use blog_services::auth::AuthService;
use blog_services::cache::Cache;
use blog_services::health::HealthService;
use blog_services::{PasswordHasher, PostService};

/// Shared by all workers (cheap clones of pool handles).
#[derive(Debug, Clone)]
pub struct AppState {
    pub posts: PostService,
    pub auth: AuthService,
    pub health: HealthService,
    pub cache: Cache,
}

impl AppState {
    /// The services over the pool `db` and `cache`; tokens live `token_ttl`.
    pub fn new(db: DatabaseConnection, cache: Cache, token_ttl: Duration) -> Self {
        AppState {
            posts: PostService::new(db.clone(), cache.clone()),
            auth: AuthService::new(db.clone(), PasswordHasher::default(), token_ttl),
            health: HealthService::new(db),
            cache,
        }
    }
}
