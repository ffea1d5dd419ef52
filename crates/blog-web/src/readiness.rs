//! Start-up that does not need the database: `blog serve` listens after one
//! attempt to prepare (at most the acquire timeout), and until its
//! preparation (migrations, the demo data, the first outbox poll) has
//! succeeded every request but the liveness probe, `/metrics` and
//! the static files gets 503 with `Retry-After`, so a fleet can start in any
//! order and a load balancer sends it nothing yet.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::AppError;
use crate::routes::touches_no_database;
use crate::state::AppState;

/// Whether start-up has finished; shared by the workers and the start-up task.
#[derive(Debug, Clone, Default)]
pub struct Started(Arc<AtomicBool>);

impl Started {
    /// True once the service may take traffic.
    pub fn is_done(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Start-up finished (the composition root says so; so does a test that
    /// builds an [`AppState`] by hand over a migrated database).
    pub fn done(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Middleware: 503 for everything but the probes of a process that lives,
/// until start-up has finished.
pub async fn until_started(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let started = req
        .app_data::<web::Data<AppState>>()
        .is_none_or(|state| state.started.is_done());
    if started || touches_no_database(req.path()) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let refused = AppError::NotReady("starting: waiting for the database".into());
    Ok(req.error_response(refused).map_into_right_body())
}
