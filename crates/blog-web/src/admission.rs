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

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use blog_services::ServiceError;
use tokio::sync::Semaphore;

use crate::error::AppError;
use crate::routes::touches_no_database;
use crate::state::AppState;

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
}

/// Middleware: runs the request once admitted; 503 after the wait.
pub async fn admit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let admission = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.admission.clone());
    let exempt = touches_no_database(req.path());
    let Some(admission) = admission.filter(|_| !exempt) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let permit = tokio::time::timeout(admission.wait, admission.permits.acquire_owned()).await;
    match permit {
        Ok(Ok(permit)) => {
            let response = next.call(req).await;
            drop(permit);
            Ok(response?.map_into_left_body())
        }
        _ => {
            let busy = AppError::Service(ServiceError::Overloaded {
                retry_after: admission.wait,
            });
            Ok(req.error_response(busy).map_into_right_body())
        }
    }
}
