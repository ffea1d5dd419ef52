//! Start-up that does not need the database: `blog serve` listens after one
//! attempt to prepare (at most the acquire timeout), and until its
//! preparation (migrations, the demo data, the first outbox poll) has
//! succeeded every request but the liveness probe, `/metrics` and
//! the static files gets 503 with `Retry-After`, so a fleet can start in any
//! order and a load balancer sends it nothing yet.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::AppError;

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

    /// 503 for a request that needs the database (`needs_database`) until
    /// start-up has finished.
    pub fn admit(&self, needs_database: bool) -> Result<(), AppError> {
        if needs_database && !self.is_done() {
            return Err(AppError::NotReady(
                "starting: waiting for the database".into(),
            ));
        }
        Ok(())
    }
}
