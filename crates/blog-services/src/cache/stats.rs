//! Counters of cache use since start (monitoring reads them), also exported
//! to Prometheus.

use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::FutureExt;

tokio::task_local! {
    static REQUEST: Cell<RequestLookups>;
}

/// The cache lookups one request made (for its access-log line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestLookups {
    /// Lookups that found a value.
    pub hits: u32,
    /// Lookups that did not.
    pub misses: u32,
}

impl RequestLookups {
    /// `hit` (all found), `miss` (none found), `partial`, or `none` (nothing
    /// looked up: a write, or the cache off).
    pub fn outcome(&self) -> &'static str {
        match (self.hits, self.misses) {
            (0, 0) => "none",
            (_, 0) => "hit",
            (0, _) => "miss",
            _ => "partial",
        }
    }
}

/// Runs `fut`, tallying the cache lookups it makes (in this task). A
/// combinator, not an `async` block: one of those keeps a copy of the future
/// it awaits beside the future itself, and the request's wrappers multiplied
/// 0.5 KB into 15 KB, copied at every step.
pub fn track_lookups<F: Future>(fut: F) -> impl Future<Output = (F::Output, RequestLookups)> {
    REQUEST.scope(
        Cell::new(RequestLookups::default()),
        fut.map(|output| (output, REQUEST.with(Cell::get))),
    )
}

/// Hits, misses and errors, counted atomically.
#[derive(Debug, Default)]
pub(super) struct CacheStats {
    hits: AtomicU64,
    misses: AtomicU64,
    errors: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStatsSnapshot {
    /// Lookups that found a value.
    pub hits: u64,
    /// Lookups that did not (the loader ran).
    pub misses: u64,
    /// Operations that failed or were skipped during an outage.
    pub errors: u64,
}

impl CacheStatsSnapshot {
    /// Hits over lookups, 0 when nothing was looked up.
    pub fn hit_ratio(&self) -> f64 {
        let lookups = self.hits + self.misses;
        if lookups == 0 {
            0.0
        } else {
            self.hits as f64 / lookups as f64
        }
    }
}

impl CacheStats {
    pub(super) fn lookup(&self, hit: bool) {
        let _ = REQUEST.try_with(|tally| {
            let mut lookups = tally.get();
            if hit {
                lookups.hits += 1;
            } else {
                lookups.misses += 1;
            }
            tally.set(lookups);
        });
        if hit {
            self.hits.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("cache_hits_total").increment(1);
        } else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("cache_misses_total").increment(1);
        }
    }

    pub(super) fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("cache_errors_total").increment(1);
    }

    pub(super) fn snapshot(&self) -> CacheStatsSnapshot {
        CacheStatsSnapshot {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use blog_repositories::statement_counter::track;

    use super::*;

    /// A future holding 4 KB across an await, as a request's handler holds
    /// its state.
    fn four_kilobytes() -> impl Future<Output = usize> {
        let state = [7u8; 4096];
        async move {
            tokio::task::yield_now().await;
            std::hint::black_box(&state).len()
        }
    }

    /// The two scopes the request pipeline puts around every handler
    /// (the statement counter's and this one) keep no copy of it.
    #[test]
    fn the_request_scopes_add_little_to_the_future_they_wrap() {
        let inner = size_of_val(&four_kilobytes());
        let lookups = size_of_val(&track_lookups(four_kilobytes()));
        let both = size_of_val(&track(track_lookups(four_kilobytes())));
        assert!(
            lookups < inner + 512 && both < inner + 1024,
            "a {inner}-byte future became {lookups} bytes, then {both}"
        );
    }

    #[tokio::test]
    async fn the_tracked_future_runs_to_its_output() {
        let ((output, lookups), stats) = track(track_lookups(four_kilobytes())).await;
        assert_eq!(
            (output, lookups, stats.statements),
            (4096, RequestLookups::default(), 0)
        );
    }
}
