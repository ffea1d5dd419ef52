//! Each thread's own connection for the request path's reads: one
//! multiplexed connection per pool and thread, shared by every request the
//! thread serves. A multiplexed connection already pipelines the commands
//! of concurrent callers over one socket; checked out of the pool for one
//! command at a time it could not, and a cached page paid a checkout, a
//! socket write, a wake-up of Redis and a read of its own. Shared, the
//! requests of a busy worker go out in one write and come back in one read:
//! 1.6x to 1.8x the cached detail pages a second at 20,000 posts
//! (`load-tests/performance-notes.md`).
//!
//! The connection is made on first use by the thread's runtime (which then
//! drives it) and forgotten after any failure, so the next read, after the
//! backoff, connects again.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use redis::aio::MultiplexedConnection;
use tokio::sync::OnceCell;

/// A thread's connection of one pool: made once, by whichever caller gets
/// there first; replaced once it has failed.
#[derive(Default)]
pub(super) struct Slot {
    /// The connection, once made.
    pub(super) connection: OnceCell<MultiplexedConnection>,
    failed: AtomicBool,
}

impl Slot {
    /// Marks the connection failed: the thread's next read makes another.
    /// (Any thread may say so: a task can resume on another thread than
    /// the one whose slot it took.)
    pub(super) fn forget(&self) {
        self.failed.store(true, Ordering::Relaxed);
    }
}

thread_local! {
    /// This thread's slot of each pool, by pool id.
    static SLOTS: RefCell<Vec<(u64, Arc<Slot>)>> = const { RefCell::new(Vec::new()) };
}

/// Names a pool among the threads' slots.
#[derive(Debug, Clone, Copy)]
pub(super) struct PoolId(u64);

impl PoolId {
    /// An id no other pool of the process has.
    pub(super) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        PoolId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// This thread's slot for the pool: a new, empty one at first and after
    /// a failure.
    pub(super) fn slot(self) -> Arc<Slot> {
        SLOTS.with(|slots| {
            let mut slots = slots.borrow_mut();
            match slots.iter_mut().find(|(id, _)| *id == self.0) {
                Some((_, slot)) if slot.failed.load(Ordering::Relaxed) => {
                    *slot = Arc::default();
                    slot.clone()
                }
                Some((_, slot)) => slot.clone(),
                None => {
                    let slot = Arc::<Slot>::default();
                    slots.push((self.0, slot.clone()));
                    slot
                }
            }
        })
    }
}
