//! Whether the service can do its job: the database answers.

use blog_repositories::{DbPool, database};

use crate::ServiceError;

/// Backs `/health/`.
#[derive(Debug, Clone)]
pub struct HealthService {
    db: DbPool,
}

impl HealthService {
    /// Checks the pool `db`.
    pub fn new(db: DbPool) -> Self {
        HealthService { db }
    }

    /// One round trip to the database; `Unavailable` when it does not answer in time.
    pub async fn check(&self) -> Result<(), ServiceError> {
        database::ping(&self.db)
            .await
            .map_err(ServiceError::Unavailable)
    }
}
