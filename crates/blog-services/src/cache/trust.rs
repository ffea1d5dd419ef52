//! Whether this process may read Redis. After any Redis failure it may not:
//! an invalidation may have been lost meanwhile (this process's or another
//! instance's, Redis being unreachable for everyone). Trust comes back only
//! through [`Trust::resync`], once the invalidations recorded durably (the
//! outbox) have been applied; a failure during the resync voids it. Until
//! then every read goes to the database.

use std::sync::atomic::{AtomicU64, Ordering};

/// Failure and resync counters: trusted while no failure came after the last
/// successful resync began.
#[derive(Debug, Default)]
pub(super) struct Trust {
    /// Failures seen (or trust withdrawn) so far.
    failures: AtomicU64,
    /// The failure count a successful resync started from.
    synced_at: AtomicU64,
}

impl Trust {
    /// True when Redis may be read.
    pub(super) fn trusted(&self) -> bool {
        self.failures.load(Ordering::Acquire) == self.synced_at.load(Ordering::Acquire)
    }

    /// A Redis operation failed (or the process has not synced yet).
    pub(super) fn withdraw(&self) {
        self.failures.fetch_add(1, Ordering::AcqRel);
    }

    /// Runs `sync` (which applies every pending invalidation); trusts Redis
    /// again if it succeeded and nothing failed while it ran. Returns whether
    /// Redis is trusted now.
    pub(super) async fn resync(&self, sync: impl Future<Output = bool>) -> bool {
        let started = self.failures.load(Ordering::Acquire);
        if sync.await && self.failures.load(Ordering::Acquire) == started {
            self.synced_at.fetch_max(started, Ordering::AcqRel);
        }
        self.trusted()
    }
}
