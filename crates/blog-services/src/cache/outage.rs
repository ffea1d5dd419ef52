//! The one warning an outage logs: at most once per interval, however many
//! operations fail (each still counts in the statistics).

use std::fmt::Display;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The warning rate limit.
#[derive(Debug)]
pub(super) struct OutageWarning {
    started: Instant,
    interval: Duration,
    /// Milliseconds after `started` of the last warning (+1; 0 = never).
    last: AtomicU64,
}

impl OutageWarning {
    pub(super) fn new(interval: Duration) -> Self {
        OutageWarning {
            started: Instant::now(),
            interval,
            last: AtomicU64::new(0),
        }
    }

    /// Logs `err` unless a warning was logged less than an interval ago.
    pub(super) fn warn(&self, err: &dyn Display) {
        let now = self.started.elapsed().as_millis() as u64 + 1;
        let last = self.last.load(Ordering::Relaxed);
        let interval = self.interval.as_millis() as u64;
        if (last == 0 || now.saturating_sub(last) >= interval)
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(error = %err, "cache unavailable: serving from the database");
        }
    }
}
