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

/// One key's attempts in the window that started with its first one.
#[derive(Debug)]
struct Window {
    started: Instant,
    /// Attempts that failed.
    failures: u32,
    /// Attempts being checked now: they count against the limit too, so a
    /// burst of concurrent guesses cannot get past it.
    pending: u32,
}

/// The counters of one kind of key.
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

    /// Counts an attempt in progress for `key`, unless failures and attempts
    /// in progress already reach the limit: then how long to wait.
    fn reserve(&self, key: &str) -> Result<(), Duration> {
        let window = self.windows.get_with(key.to_owned(), || {
            Arc::new(Mutex::new(Window {
                started: Instant::now(),
                failures: 0,
                pending: 0,
            }))
        });
        let mut window = window.lock().expect("a window lock is never poisoned");
        if window.failures + window.pending >= self.limit {
            let left = self.window.saturating_sub(window.started.elapsed());
            return Err(left.max(Duration::from_secs(1)));
        }
        window.pending += 1;
        Ok(())
    }

    /// Ends an attempt `reserve` counted; a failed one stays counted.
    fn release(&self, key: &str, failed: bool) {
        if let Some(window) = self.windows.get(key) {
            let mut window = window.lock().expect("a window lock is never poisoned");
            window.pending = window.pending.saturating_sub(1);
            if failed {
                window.failures += 1;
            }
        }
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

/// One login attempt being checked; dropped without a verdict (a cancelled
/// request, an error), it counts as nothing.
pub(super) struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    address: Option<String>,
    username: String,
    finished: bool,
}

impl Attempt<'_> {
    /// The credentials were wrong: the attempt counts as a failure.
    pub(super) fn failed(mut self) {
        self.finish(true);
    }

    /// The credentials were right: the username's failures are forgotten
    /// (not the address's: one valid account must not reset a guesser's count).
    pub(super) fn succeeded(mut self) {
        self.finish(false);
        self.throttle.by_username.forget(&self.username);
    }

    fn finish(&mut self, failed: bool) {
        if let Some(address) = &self.address {
            self.throttle.by_address.release(address, failed);
        }
        self.throttle.by_username.release(&self.username, failed);
        self.finished = true;
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.finish(false);
        }
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

    /// Starts an attempt from `address` for `username`, or says how long the
    /// client must wait: failures and attempts in progress are at the limit.
    pub(super) fn begin(
        &self,
        address: Option<IpAddr>,
        username: &str,
    ) -> Result<Attempt<'_>, Duration> {
        let address = address.map(|a| a.to_string());
        if let Some(key) = &address {
            self.by_address.reserve(key)?;
        }
        if let Err(wait) = self.by_username.reserve(username) {
            if let Some(key) = &address {
                self.by_address.release(key, false);
            }
            return Err(wait);
        }
        Ok(Attempt {
            throttle: self,
            address,
            username: username.to_owned(),
            finished: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_blocks_until_the_window_ends() {
        let throttle = LoginThrottle::new(3, 2, Duration::from_secs(60));
        let here: Option<IpAddr> = Some([10, 0, 0, 1].into());
        throttle.begin(here, "a").unwrap().failed();
        throttle.begin(here, "b").unwrap().failed();
        let third = throttle.begin(here, "c").expect("2 of 3 for the address");
        assert!(
            throttle.begin(here, "d").is_err(),
            "an attempt in progress counts"
        );
        third.failed();
        let wait = throttle
            .begin(here, "c")
            .err()
            .expect("the address is at its limit");
        assert!(wait > Duration::from_secs(55) && wait <= Duration::from_secs(60));
        let elsewhere: Option<IpAddr> = Some([10, 0, 0, 2].into());
        throttle.begin(elsewhere, "a").unwrap().failed();
        assert!(throttle.begin(elsewhere, "a").is_err(), "a's 2 failures");
        throttle.begin(elsewhere, "b").unwrap().succeeded();
        assert!(
            throttle.begin(elsewhere, "b").is_ok(),
            "b's failure forgotten"
        );
    }

    #[test]
    fn an_unfinished_attempt_counts_as_nothing() {
        let throttle = LoginThrottle::new(1, 1, Duration::from_secs(60));
        drop(throttle.begin(None, "a").unwrap());
        assert!(throttle.begin(None, "a").is_ok());
    }

    #[test]
    fn windows_end() {
        let throttle = LoginThrottle::new(1, 1, Duration::from_millis(50));
        throttle.begin(None, "a").unwrap().failed();
        assert!(throttle.begin(None, "a").is_err());
        std::thread::sleep(Duration::from_millis(80));
        assert!(throttle.begin(None, "a").is_ok());
    }
}
