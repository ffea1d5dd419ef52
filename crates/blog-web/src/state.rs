//! What every handler can reach: the services, built once at start.

use blog_repositories::DatabaseConnection;
use blog_services::PostService;
use blog_services::health::HealthService;

/// Shared by all workers (cheap clones of pool handles).
#[derive(Debug, Clone)]
pub struct AppState {
    pub posts: PostService,
    pub health: HealthService,
}

impl AppState {
    /// The services over the pool `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        AppState {
            posts: PostService::new(db.clone()),
            health: HealthService::new(db),
        }
    }
}
