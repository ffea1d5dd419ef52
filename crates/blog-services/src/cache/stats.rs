//! Counters of cache use since start (monitoring reads them), also exported
//! to Prometheus.

use std::sync::atomic::{AtomicU64, Ordering};

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
