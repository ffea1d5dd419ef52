//! Invalidations Redis has not acknowledged yet. A bump that fails is kept
//! here and retried before any later read or store; until it lands, this
//! process reads nothing from Redis, so a lost invalidation never lets it serve
//! data from before the write.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// Rendered tag-version keys waiting to be bumped.
#[derive(Debug, Default)]
pub(super) struct PendingBumps(Mutex<BTreeSet<String>>);

impl PendingBumps {
    /// Queues `keys`.
    pub(super) fn add(&self, keys: impl IntoIterator<Item = String>) {
        self.lock().extend(keys);
    }

    /// Every queued key (empty when none is pending).
    pub(super) fn all(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }

    /// Drops `keys` (they landed); true when nothing is left.
    pub(super) fn landed(&self, keys: &[String]) -> bool {
        let mut pending = self.lock();
        for key in keys {
            pending.remove(key);
        }
        pending.is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.0
            .lock()
            .expect("the pending-bumps lock is never poisoned")
    }
}
