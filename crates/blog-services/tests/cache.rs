//! The cache against a real Redis (`TEST_REDIS_URL`) or the in-process backend:
//! read-through, invalidation, the stale-write race, single flight, fail-open.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use blog_services::cache::{Cache, CacheBackend, CacheKey, CacheSettings, Tag};
use blog_testkit::{redis_url, unique_prefix};
use tokio::sync::{Barrier, Notify};

fn settings() -> CacheSettings {
    let backend = match redis_url() {
        Some(url) => CacheBackend::Redis(url),
        None => CacheBackend::Memory,
    };
    CacheSettings {
        prefix: unique_prefix(),
        // Generous: a loaded CI machine must not turn a slow answer into a miss.
        timeout: Duration::from_millis(500),
        ..CacheSettings::new(backend)
    }
}

fn cache() -> Cache {
    Cache::new(&settings())
}

async fn load_counting(calls: &AtomicUsize, value: &str) -> Result<String, Infallible> {
    calls.fetch_add(1, Ordering::SeqCst);
    Ok(value.to_owned())
}

#[tokio::test]
async fn get_and_set_keep_empty_values_apart_from_absent_ones() {
    let cache = cache();
    let key = CacheKey::new("test").arg("n", 1);
    assert_eq!(cache.get::<Vec<i32>>(&key).await, None);
    cache
        .set(&key, &Vec::<i32>::new(), Duration::from_secs(60))
        .await;
    assert_eq!(
        cache.get::<Vec<i32>>(&key).await,
        Some(vec![]),
        "an empty list is a hit"
    );
    cache.set(&key, &0_i64, Duration::from_secs(60)).await;
    assert_eq!(cache.get::<i64>(&key).await, Some(0), "zero is a hit");
    let short = CacheKey::new("test").arg("n", 2);
    cache
        .set(&short, &"soon gone", Duration::from_millis(50))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(cache.get::<String>(&short).await, None, "the TTL expired");
}

#[tokio::test]
async fn read_through_loads_once_until_a_tag_is_invalidated() {
    let cache = cache();
    let calls = AtomicUsize::new(0);
    let key = CacheKey::new("post").arg("id", 7);
    let tags = [Tag::post(7), Tag::posts()];
    for _ in 0..3 {
        let value = cache
            .cached(&key, Duration::from_secs(60), &tags, || {
                load_counting(&calls, "v1")
            })
            .await
            .unwrap();
        assert_eq!(value, "v1");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // A tag the value does not carry changes nothing.
    cache.invalidate_tag(&Tag::post(8)).await;
    cache
        .cached(&key, Duration::from_secs(60), &tags, || {
            load_counting(&calls, "v1")
        })
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Any one of its tags makes it reload.
    cache.invalidate_tag(&Tag::posts()).await;
    let value = cache
        .cached(&key, Duration::from_secs(60), &tags, || {
            load_counting(&calls, "v2")
        })
        .await
        .unwrap();
    assert_eq!((value.as_str(), calls.load(Ordering::SeqCst)), ("v2", 2));
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.errors), (3, 2, 0));
}

#[tokio::test]
async fn loader_errors_pass_through_and_are_not_cached() {
    let cache = cache();
    let key = CacheKey::new("flaky");
    let failed: Result<i32, &str> = cache
        .cached(&key, Duration::from_secs(60), &[], || async {
            Err("db down")
        })
        .await;
    assert_eq!(failed, Err("db down"));
    let ok: Result<i32, &str> = cache
        .cached(&key, Duration::from_secs(60), &[], || async { Ok(5) })
        .await;
    assert_eq!(ok, Ok(5));
}

/// A reader that loaded old data before a write must not leave it behind: the
/// write lands between the reader's load and its store, deterministically.
#[tokio::test]
async fn a_slow_reader_cannot_store_stale_data_after_a_write() {
    let cache = cache();
    let key = CacheKey::new("post").arg("id", 1);
    let tags = [Tag::post(1)];
    let database = Arc::new(std::sync::Mutex::new("old"));
    let loaded = Arc::new(Notify::new());
    let written = Arc::new(Notify::new());

    let reader = {
        let (cache, key, database, loaded, written) = (
            cache.clone(),
            key.clone(),
            database.clone(),
            loaded.clone(),
            written.clone(),
        );
        tokio::spawn(async move {
            cache
                .cached(&key, Duration::from_secs(60), &tags, || async {
                    let value = *database.lock().unwrap();
                    loaded.notify_one();
                    written.notified().await; // the write happens now
                    Ok::<_, Infallible>(value.to_owned())
                })
                .await
                .unwrap()
        })
    };
    loaded.notified().await;
    *database.lock().unwrap() = "new"; // the write commits...
    cache.invalidate_tag(&Tag::post(1)).await; // ...then invalidates
    written.notify_one();
    assert_eq!(
        reader.await.unwrap(),
        "old",
        "the slow reader saw the old row"
    );

    let fresh = cache
        .cached(&key, Duration::from_secs(60), &[Tag::post(1)], || async {
            Ok::<_, Infallible>(database.lock().unwrap().to_owned())
        })
        .await
        .unwrap();
    assert_eq!(
        fresh, "new",
        "no reader after the write sees data from before it"
    );
}

#[tokio::test]
async fn a_hundred_concurrent_misses_run_the_loader_once() {
    let cache = cache();
    let calls = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(100));
    let key = CacheKey::new("hot");
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (cache, calls, start, key) =
                (cache.clone(), calls.clone(), start.clone(), key.clone());
            tokio::spawn(async move {
                start.wait().await;
                cache
                    .cached(&key, Duration::from_secs(60), &[Tag::posts()], || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Ok::<_, Infallible>(vec![1, 2, 3])
                    })
                    .await
                    .unwrap()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), vec![1, 2, 3]);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn keys_are_shared_across_processes() {
    // Two caches with the same settings stand for two processes (or a restart).
    let settings = settings();
    let (first, second) = (Cache::new(&settings), Cache::new(&settings));
    let key = CacheKey::new("list").arg("page", 1);
    first
        .cached(&key, Duration::from_secs(60), &[Tag::posts()], || async {
            Ok::<_, Infallible>(42)
        })
        .await
        .unwrap();
    if redis_url().is_some() {
        let calls = AtomicUsize::new(0);
        let value = second
            .cached(&key, Duration::from_secs(60), &[Tag::posts()], || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok::<_, Infallible>(0)
            })
            .await
            .unwrap();
        assert_eq!(
            (value, calls.load(Ordering::SeqCst)),
            (42, 0),
            "the second process hits"
        );
        // An invalidation in one process reaches the other.
        second.invalidate_tag(&Tag::posts()).await;
        let value = first
            .cached(&key, Duration::from_secs(60), &[Tag::posts()], || async {
                Ok::<_, Infallible>(43)
            })
            .await
            .unwrap();
        assert_eq!(value, 43);
    }
}

#[tokio::test]
async fn an_unreachable_redis_fails_open_and_fast() {
    let cache = Cache::new(&CacheSettings {
        prefix: unique_prefix(),
        ..CacheSettings::new(CacheBackend::Redis("redis://127.0.0.1:1/0".into()))
    });
    let started = Instant::now();
    for i in 0..20 {
        let value = cache
            .cached(
                &CacheKey::new("k").arg("i", i),
                Duration::from_secs(60),
                &[Tag::posts()],
                || async { Ok::<_, Infallible>(i) },
            )
            .await
            .unwrap();
        assert_eq!(value, i);
    }
    cache.invalidate_tag(&Tag::posts()).await;
    cache
        .set(&CacheKey::new("x"), &1, Duration::from_secs(1))
        .await;
    assert_eq!(cache.get::<i32>(&CacheKey::new("x")).await, None);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?} for 23 operations",
        started.elapsed()
    );
    assert_eq!(cache.stats().errors, 23);
}

#[tokio::test]
async fn off_caches_nothing() {
    let cache = Cache::off();
    let calls = AtomicUsize::new(0);
    for _ in 0..3 {
        cache
            .cached(&CacheKey::new("k"), Duration::from_secs(60), &[], || {
                load_counting(&calls, "x")
            })
            .await
            .unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(cache.backend_name(), "off");
}

/// Log lines captured from the subscriber under test.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_outage_warns_once_per_interval_and_counts_every_error() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let cache = Cache::new(&CacheSettings {
        prefix: unique_prefix(),
        warn_interval: Duration::from_millis(300),
        ..CacheSettings::new(CacheBackend::Redis("redis://127.0.0.1:1/0".into()))
    });
    let key = CacheKey::new("k");
    for _ in 0..10 {
        assert_eq!(cache.get::<i32>(&key).await, None);
    }
    tokio::time::sleep(Duration::from_millis(350)).await;
    for _ in 0..10 {
        assert_eq!(cache.get::<i32>(&key).await, None);
    }
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let warnings = text
        .lines()
        .filter(|l| l.contains("cache unavailable"))
        .count();
    assert_eq!(warnings, 2, "one warning per interval:\n{text}");
    assert_eq!(cache.stats().errors, 20);
}

#[tokio::test]
async fn analytics_count_per_day_and_show_the_last_thirty_days() {
    use blog_services::analytics::Analytics;
    let cache = cache();
    let key = format!("{}:analytics:daily", unique_prefix());
    let analytics = Analytics::new(cache.clone(), key.clone());
    assert!(
        cache
            .hash_increment(&key, &[("2000-01-01:page_views".to_owned(), 5)])
            .await
    );
    analytics.page_view();
    analytics.page_view();
    analytics.new_post();
    let days = analytics.daily().await.expect("the backend answers");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(days.len(), 1, "old days are not shown: {days:?}");
    assert_eq!((days[&today].page_views, days[&today].new_posts), (2, 1));
    // Counts survive a second reader (another process, on Redis).
    let other = Analytics::new(cache, key);
    other.page_view();
    assert_eq!(other.daily().await.unwrap()[&today].page_views, 3);
}
