//! How the cache behaves while Redis fails: for a second after a failure Redis
//! is not even tried (an outage costs requests nothing rather than a timeout
//! each), and the warning is logged at most once per interval.

use std::fmt::Display;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// After a Redis failure, the cache is bypassed this long before Redis is tried
/// again.
const BACKOFF: Duration = Duration::from_secs(1);

/// The failure backoff and the warning rate limit.
#[derive(Debug)]
pub(super) struct Outage {
    started: Instant,
    warn_interval: Duration,
    /// Milliseconds after `started` of the last warning (+1; 0 = never).
    last_warning: AtomicU64,
    /// Milliseconds after `started` until which Redis is not tried.
    bypass_until: AtomicU64,
}

impl Outage {
    pub(super) fn new(warn_interval: Duration) -> Self {
        Outage {
            started: Instant::now(),
            warn_interval,
            last_warning: AtomicU64::new(0),
            bypass_until: AtomicU64::new(0),
        }
    }

    /// True while a recent failure's backoff lasts.
    pub(super) fn bypassing(&self) -> bool {
        self.now_ms() < self.bypass_until.load(Ordering::Relaxed)
    }

    /// Starts the backoff after a failure.
    pub(super) fn failed(&self) {
        let until = self.now_ms() + BACKOFF.as_millis() as u64;
        self.bypass_until.store(until, Ordering::Relaxed);
    }

    /// Logs `err` unless a warning was logged less than an interval ago.
    pub(super) fn warn(&self, err: &dyn Display) {
        let now = self.now_ms();
        let last = self.last_warning.load(Ordering::Relaxed);
        let interval = self.warn_interval.as_millis() as u64;
        if (last == 0 || now.saturating_sub(last) >= interval)
            && self
                .last_warning
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(error = %err, "cache unavailable: serving from the database");
        }
    }

    /// Milliseconds since start, plus one (0 means "never").
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64 + 1
    }
}
