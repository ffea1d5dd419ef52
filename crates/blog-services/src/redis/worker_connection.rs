//! Each thread's own connection for the cache's commands on the request
//! path: one multiplexed connection per pool and thread, shared by every
//! request the thread serves. A multiplexed connection already pipelines
//! the commands of concurrent callers over one socket; checked out of the
//! pool for one command at a time it could not, and a cached page paid a
//! checkout, a socket write, a wake-up of Redis and a read of its own.
//! Shared, the requests of a busy worker go out in one write and come back
//! in one read: 1.6x to 1.8x the cached detail pages a second at 20,000
//! posts (`load-tests/performance-notes.md`).
//!
//! A connection is made on first use, driven by the runtime that made it,
//! and dropped by every thread at the pool's next failure: after a Redis
//! restart one failed command renews them all rather than one per thread,
//! each starting the backoff again. A connection whose runtime has shut
//! down (a thread that runs the same pool under a later runtime) fails
//! once and is renewed the same way. A thread forgets the connections of
//! pools that are gone.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use redis::aio::MultiplexedConnection;
use tokio::sync::OnceCell;

/// A pool's side: who it is, and how many times it has failed.
#[derive(Debug, Default)]
pub(super) struct Connections {
    failures: AtomicU64,
}

impl Connections {
    /// Drops every thread's connection of this pool (each makes a new one
    /// on its next command).
    pub(super) fn renew_all(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    /// This thread's slot for the pool: a new, empty one at first and after
    /// a failure of the pool.
    pub(super) fn slot(self: &Arc<Self>) -> Arc<Slot> {
        let failures = self.failures.load(Ordering::Relaxed);
        SLOTS.with(|slots| {
            let mut slots = slots.borrow_mut();
            slots.retain(|(pool, _)| pool.strong_count() > 0);
            let mine = Arc::as_ptr(self);
            match slots.iter_mut().find(|(pool, _)| pool.as_ptr() == mine) {
                Some((_, slot)) if slot.failures == failures => slot.clone(),
                Some((_, slot)) => {
                    *slot = Arc::new(Slot::new(failures));
                    slot.clone()
                }
                None => {
                    let slot = Arc::new(Slot::new(failures));
                    slots.push((Arc::downgrade(self), slot.clone()));
                    slot
                }
            }
        })
    }
}

/// A thread's connection of one pool, made once by whichever caller gets
/// there first.
#[derive(Debug)]
pub(super) struct Slot {
    /// The connection, once made.
    pub(super) connection: OnceCell<MultiplexedConnection>,
    /// The pool's failures when it was made: a later failure retires it.
    failures: u64,
}

impl Slot {
    fn new(failures: u64) -> Self {
        Slot {
            connection: OnceCell::new(),
            failures,
        }
    }
}

thread_local! {
    /// This thread's slot of each live pool.
    static SLOTS: RefCell<Vec<(Weak<Connections>, Arc<Slot>)>> = const { RefCell::new(Vec::new()) };
}
