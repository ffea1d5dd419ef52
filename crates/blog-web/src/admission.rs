//! Admission control: at most twice as many requests work at once as the
//! database pool has connections; the rest wait their turn, in order, for at
//! most the pool's acquire timeout, then get 503 with `Retry-After`.
//!
//! Without it an overload collapses: every statement of every request queues
//! for a connection on its own, so under a thousand concurrent requests each
//! of a page's five statements waits behind the whole crowd, and almost every
//! request times out on one of them. With it the few admitted run at full
//! speed and the rest are told to come back, fast.

use std::sync::Arc;
use std::time::Duration;

use blog_services::ServiceError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;

/// Requests at work per pooled connection.
const REQUESTS_PER_CONNECTION: u32 = 2;

/// The permits, and how long a request may wait for one.
#[derive(Debug, Clone)]
pub struct Admission {
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl Admission {
    /// Room for `REQUESTS_PER_CONNECTION` requests per pooled connection;
    /// a request waits at most `wait` (the pool's acquire timeout).
    pub fn new(pool_connections: u32, wait: Duration) -> Self {
        let permits = (pool_connections * REQUESTS_PER_CONNECTION).max(1) as usize;
        Admission {
            permits: Arc::new(Semaphore::new(permits)),
            wait,
        }
    }

    /// A permit for a request (`None` for one that touches no database,
    /// which is never queued); 503 after waiting `wait` for one. Hold it
    /// until the response is made.
    pub async fn admit(
        &self,
        needs_database: bool,
    ) -> Result<Option<OwnedSemaphorePermit>, AppError> {
        if !needs_database {
            return Ok(None);
        }
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Ok(Some(permit));
        }
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(AppError::Service(ServiceError::Overloaded {
                retry_after: self.wait,
            })),
        }
    }
}
