//! Failed logins, counted per client address and per username in fixed
//! windows: past the limit, further attempts are refused (429 with
//! `Retry-After`) before any password is hashed. The counters are bounded in
//! number, so a flood of made-up names cannot grow them without end.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::sync::Cache;

/// Counters kept at most (per kind); the oldest are forgotten first.
const MAX_COUNTERS: u64 = 100_000;

/// One key's failures in the window that started with its first failure.
#[derive(Debug)]
struct Window {
    started: Instant,
    failures: u32,
}

/// The failure counters of one kind of key.
#[derive(Clone)]
struct Counters {
    windows: Cache<String, Arc<Mutex<Window>>>,
    limit: u32,
    window: Duration,
}

impl Counters {
    fn new(limit: u32, window: Duration) -> Self {
        Counters {
            windows: Cache::builder()
                .max_capacity(MAX_COUNTERS)
                .time_to_live(window)
                .build(),
            limit,
            window,
        }
    }

    /// How long `key` must wait, if it is over the limit.
    fn blocked_for(&self, key: &str) -> Option<Duration> {
        let window = self.windows.get(key)?;
        let window = window.lock().expect("a window lock is never poisoned");
        let left = self.window.saturating_sub(window.started.elapsed());
        (window.failures >= self.limit && !left.is_zero()).then_some(left)
    }

    fn failed(&self, key: &str) {
        let window = self.windows.get_with(key.to_owned(), || {
            Arc::new(Mutex::new(Window {
                started: Instant::now(),
                failures: 0,
            }))
        });
        window
            .lock()
            .expect("a window lock is never poisoned")
            .failures += 1;
    }

    fn forget(&self, key: &str) {
        self.windows.invalidate(key);
    }
}

/// Failed logins per client address and per username.
#[derive(Clone)]
pub(super) struct LoginThrottle {
    by_address: Counters,
    by_username: Counters,
}

impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginThrottle")
            .field("per_address", &self.by_address.limit)
            .field("per_username", &self.by_username.limit)
            .finish_non_exhaustive()
    }
}

impl LoginThrottle {
    /// At most `per_address` and `per_username` failures in each `window`.
    pub(super) fn new(per_address: u32, per_username: u32, window: Duration) -> Self {
        LoginThrottle {
            by_address: Counters::new(per_address, window),
            by_username: Counters::new(per_username, window),
        }
    }

    /// How long the client must wait before trying again, if it must.
    pub(super) fn blocked_for(&self, address: Option<IpAddr>, username: &str) -> Option<Duration> {
        let by_address = address.and_then(|a| self.by_address.blocked_for(&a.to_string()));
        let by_username = self.by_username.blocked_for(username);
        by_address.max(by_username)
    }

    /// Counts a failed attempt.
    pub(super) fn failed(&self, address: Option<IpAddr>, username: &str) {
        if let Some(address) = address {
            self.by_address.failed(&address.to_string());
        }
        self.by_username.failed(username);
    }

    /// A successful login clears its username's failures (not its address's:
    /// one valid account must not reset a guesser's count).
    pub(super) fn succeeded(&self, username: &str) {
        self.by_username.forget(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_blocks_until_the_window_ends() {
        let throttle = LoginThrottle::new(3, 2, Duration::from_secs(60));
        let here: Option<IpAddr> = Some([10, 0, 0, 1].into());
        assert_eq!(throttle.blocked_for(here, "a"), None);
        throttle.failed(here, "a");
        throttle.failed(here, "b");
        assert_eq!(
            throttle.blocked_for(here, "c"),
            None,
            "2 of 3 for the address"
        );
        throttle.failed(here, "a");
        let wait = throttle
            .blocked_for(here, "c")
            .expect("the address is over its limit");
        assert!(wait > Duration::from_secs(55) && wait <= Duration::from_secs(60));
        let elsewhere: Option<IpAddr> = Some([10, 0, 0, 2].into());
        assert!(
            throttle.blocked_for(elsewhere, "a").is_some(),
            "a's 2 failures"
        );
        assert_eq!(throttle.blocked_for(elsewhere, "b"), None);
        throttle.succeeded("a");
        assert_eq!(throttle.blocked_for(elsewhere, "a"), None);
    }

    #[test]
    fn windows_end() {
        let throttle = LoginThrottle::new(1, 1, Duration::from_millis(50));
        throttle.failed(None, "a");
        assert!(throttle.blocked_for(None, "a").is_some());
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(throttle.blocked_for(None, "a"), None);
    }
}
