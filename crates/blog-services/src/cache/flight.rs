//! Single flight: concurrent misses for one key in one process run the loader
//! once; the others wait for its result. A failed load is shared as a failure
//! (each waiter then loads for itself, concurrently), and a cancelled request
//! leaves no flight behind.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OnceCell;

use super::value::{Cacheable, decode, encode};

/// One load in progress: the first caller fills it, the others wait on it.
/// `None` inside means the load failed or its value could not be encoded.
type Flight = Arc<OnceCell<Option<Arc<Vec<u8>>>>>;

/// The loads in progress, by versioned key.
#[derive(Debug, Default)]
pub(super) struct Flights(Mutex<HashMap<String, Flight>>);

/// Removes a finished (or abandoned) flight from the map, if nobody replaced it.
struct FlightGuard<'a> {
    flights: &'a Flights,
    key: &'a str,
    flight: &'a Flight,
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut map) = self.flights.0.lock()
            && map
                .get(self.key)
                .is_some_and(|f| Arc::ptr_eq(f, self.flight))
        {
            map.remove(self.key);
        }
    }
}

impl Flights {
    /// The value of `key` from `loader`, run once however many callers ask at
    /// once; `store` receives the value, its encoding and its `ttl_of` before
    /// the waiters do.
    pub(super) async fn load<T, E, F, Fut>(
        &self,
        key: &str,
        loader: F,
        ttl_of: impl FnOnce(&T) -> Duration,
        store: impl AsyncFnOnce(&T, Vec<u8>, Duration),
    ) -> Result<T, E>
    where
        T: Cacheable,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let flight = {
            let mut map = self.0.lock().expect("the flights lock is never poisoned");
            map.entry(key.to_owned()).or_default().clone()
        };
        let _guard = FlightGuard {
            flights: self,
            key,
            flight: &flight,
        };
        let mut loader = Some(loader);
        let mut outcome: Option<Result<T, E>> = None;
        let shared = flight
            .get_or_init(|| async {
                let load = loader.take().expect("the initializer runs once");
                match load().await {
                    Ok(value) => {
                        let bytes = encode(&value);
                        if let Some(bytes) = &bytes {
                            store(&value, bytes.clone(), ttl_of(&value)).await;
                        }
                        outcome = Some(Ok(value));
                        bytes.map(Arc::new)
                    }
                    Err(err) => {
                        outcome = Some(Err(err));
                        None
                    }
                }
            })
            .await
            .clone();
        if let Some(result) = outcome {
            return result;
        }
        // Another caller ran the loader: share its value, or load ourselves if
        // it failed or could not be encoded.
        match (shared.as_deref().and_then(|b| decode(b)), loader.take()) {
            (Some(value), _) => Ok(value),
            (None, Some(load)) => load().await,
            (None, None) => unreachable!("our loader runs only as the initializer"),
        }
    }
}
