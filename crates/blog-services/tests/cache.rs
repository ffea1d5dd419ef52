//! The cache against a real Redis (`TEST_REDIS_URL`) or the in-process backend:
//! read-through, invalidation, the stale-write race, single flight, fail-open.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use blog_services::analytics::{Analytics, AnalyticsConfig};
use blog_services::cache::{Cache, CacheBackend, CacheConfig, CacheKey, Cacheable, Tag};
use blog_services::redis::{RedisConfig, RedisPool};
use blog_testkit::redis_server::RedisServer;
use blog_testkit::{cache_config, redis_config, redis_url, unique_prefix};
use serde::{Deserialize, Serialize};
use tokio::sync::{Barrier, Notify};

/// The cache `config` describes, on the Redis of `redis` if it names one.
fn cache_on(config: &CacheConfig, redis: &RedisConfig) -> Cache {
    let pool = RedisPool::from_config(redis).expect("a valid Redis URL");
    Cache::new(config, pool.as_ref())
}

/// The cache `config` describes, on the environment's Redis.
fn cache_from(config: &CacheConfig) -> Cache {
    cache_on(config, &redis_config())
}

fn cache() -> Cache {
    cache_from(&cache_config())
}

/// A cache on a Redis nobody listens on.
fn unreachable(config: CacheConfig) -> Cache {
    let redis = RedisConfig {
        url: Some(blog_repositories::SecretUrl::new("redis://127.0.0.1:1/0")),
        ..redis_config()
    };
    let config = CacheConfig {
        backend: CacheBackend::Redis,
        ..config
    };
    cache_on(&config, &redis)
}

async fn load_counting<T>(calls: &AtomicUsize, value: T) -> Result<T, Infallible> {
    calls.fetch_add(1, Ordering::SeqCst);
    Ok(value)
}

fn posts() -> Tag {
    Tag::new("posts")
}

fn post(id: i32) -> Tag {
    Tag::keyed("post", id)
}

#[tokio::test]
async fn empty_values_are_hits_and_ttls_expire() {
    let cache = cache();
    let calls = AtomicUsize::new(0);
    let ttl = Duration::from_secs(60);
    let empty = CacheKey::new("test").arg("n", 1);
    for _ in 0..2 {
        let value = cache
            .cached(&empty, ttl, &[], || {
                load_counting(&calls, Vec::<i32>::new())
            })
            .await
            .unwrap();
        assert!(value.is_empty());
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "an empty list is a hit");
    let zero = CacheKey::new("test").arg("n", 2);
    for _ in 0..2 {
        cache
            .cached(&zero, ttl, &[], || load_counting(&calls, 0_i32))
            .await
            .unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2, "zero is a hit");
    let short = CacheKey::new("test").arg("n", 3);
    let brief = Duration::from_millis(50);
    cache
        .cached(&short, brief, &[], || load_counting(&calls, 1_i32))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    cache
        .cached(&short, brief, &[], || load_counting(&calls, 1_i32))
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 4, "the TTL expired");
}

/// One value's shape before and after a change that bumped its version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ShapeV1 {
    title: String,
}

impl Cacheable for ShapeV1 {
    const SCHEMA: u32 = 1;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ShapeV2 {
    title: String,
    subtitle: String,
}

impl Cacheable for ShapeV2 {
    const SCHEMA: u32 = 2;
}

/// Entries of an old shape are never read as the new one: a deploy that
/// changes a cached value's shape sees misses, never decoding failures, and
/// processes still on the old version keep their entries.
#[tokio::test]
async fn a_new_shape_version_never_reads_old_entries() {
    let cache = cache();
    let key = CacheKey::new("shaped").arg("id", 1);
    let ttl = Duration::from_secs(60);
    let old = || async {
        Ok::<_, Infallible>(ShapeV1 {
            title: "old".into(),
        })
    };
    cache.cached(&key, ttl, &[], old).await.unwrap();
    let new_shape = ShapeV2 {
        title: "new".into(),
        subtitle: "shape".into(),
    };
    let calls = AtomicUsize::new(0);
    let new = cache
        .cached(&key, ttl, &[], || load_counting(&calls, new_shape))
        .await
        .unwrap();
    assert_eq!(new.subtitle, "shape");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the new shape loaded");
    let again = cache
        .cached(&key, ttl, &[], || async {
            Ok::<_, Infallible>(ShapeV1 {
                title: "reloaded".into(),
            })
        })
        .await
        .unwrap();
    assert_eq!(again.title, "old", "the old version's entry is intact");
}

#[tokio::test]
async fn read_through_loads_once_until_a_tag_is_invalidated() {
    let cache = cache();
    let calls = AtomicUsize::new(0);
    let key = CacheKey::new("post").arg("id", 7);
    let tags = [post(7), posts()];
    for _ in 0..3 {
        let value = cache
            .cached(&key, Duration::from_secs(60), &tags, || {
                load_counting(&calls, "v1".to_owned())
            })
            .await
            .unwrap();
        assert_eq!(value, "v1");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // A tag the value does not carry changes nothing.
    cache.invalidate_tags(&[post(8)]).await;
    cache
        .cached(&key, Duration::from_secs(60), &tags, || {
            load_counting(&calls, "v1".to_owned())
        })
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Any one of its tags makes it reload.
    cache.invalidate_tags(&[posts()]).await;
    let value = cache
        .cached(&key, Duration::from_secs(60), &tags, || {
            load_counting(&calls, "v2".to_owned())
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
    let tags = [post(1)];
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
    cache.invalidate_tags(&[post(1)]).await; // ...then invalidates
    written.notify_one();
    assert_eq!(
        reader.await.unwrap(),
        "old",
        "the slow reader saw the old row"
    );

    let fresh = cache
        .cached(&key, Duration::from_secs(60), &[post(1)], || async {
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
                    .cached(&key, Duration::from_secs(60), &[posts()], || async {
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
    let config = cache_config();
    let (first, second) = (cache_from(&config), cache_from(&config));
    let key = CacheKey::new("list").arg("page", 1);
    first
        .cached(&key, Duration::from_secs(60), &[posts()], || async {
            Ok::<_, Infallible>(42)
        })
        .await
        .unwrap();
    if redis_url().is_some() {
        let calls = AtomicUsize::new(0);
        let value = second
            .cached(&key, Duration::from_secs(60), &[posts()], || async {
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
        second.invalidate_tags(&[posts()]).await;
        let value = first
            .cached(&key, Duration::from_secs(60), &[posts()], || async {
                Ok::<_, Infallible>(43)
            })
            .await
            .unwrap();
        assert_eq!(value, 43);
    }
}

#[tokio::test]
async fn an_unreachable_redis_fails_open_and_fast() {
    let cache = unreachable(cache_config());
    let started = Instant::now();
    for i in 0..20 {
        let value = cache
            .cached(
                &CacheKey::new("k").arg("i", i),
                Duration::from_secs(60),
                &[posts()],
                || async { Ok::<_, Infallible>(i) },
            )
            .await
            .unwrap();
        assert_eq!(value, i);
    }
    cache.invalidate_tags(&[posts()]).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?} for 21 operations",
        started.elapsed()
    );
    assert_eq!(cache.stats().errors, 21);
}

#[tokio::test]
async fn off_caches_nothing() {
    let cache = cache_from(&CacheConfig {
        backend: CacheBackend::Off,
        ..cache_config()
    });
    let calls = AtomicUsize::new(0);
    for _ in 0..3 {
        cache
            .cached(&CacheKey::new("k"), Duration::from_secs(60), &[], || {
                load_counting(&calls, 1_i32)
            })
            .await
            .unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(cache.backend(), CacheBackend::Off);
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
    let cache = unreachable(CacheConfig {
        warn_interval: Duration::from_millis(300),
        ..cache_config()
    });
    let key = CacheKey::new("k");
    let read = || async {
        cache
            .cached(&key, Duration::from_secs(1), &[], || async {
                Ok::<_, Infallible>(7_i32)
            })
            .await
            .unwrap()
    };
    for _ in 0..10 {
        assert_eq!(read().await, 7);
    }
    tokio::time::sleep(Duration::from_millis(350)).await;
    for _ in 0..10 {
        assert_eq!(read().await, 7);
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
    let redis = RedisPool::from_config(&redis_config()).unwrap();
    let config = AnalyticsConfig {
        key: format!("{}:analytics:daily", unique_prefix()),
        ..AnalyticsConfig::default()
    };
    let analytics = Analytics::new(&config, redis.as_ref());
    if let Some(url) = redis_url() {
        // A count from long ago, which the dashboard no longer shows.
        let client = redis::Client::open(url).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let _: i64 = redis::cmd("HINCRBY")
            .arg(&config.key)
            .arg("2000-01-01:page_views")
            .arg(5)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    analytics.page_view();
    analytics.page_view();
    analytics.new_post();
    let days = analytics.daily().await.expect("the backend answers");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(days.len(), 1, "old days are not shown: {days:?}");
    assert_eq!((days[&today].page_views, days[&today].new_posts), (2, 1));
    // On Redis, counts are shared with another process.
    if redis.is_some() {
        let other = Analytics::new(&config, redis.as_ref());
        other.page_view();
        assert_eq!(other.daily().await.unwrap()[&today].page_views, 3);
    }
}

/// Concurrent hits on one thread share one Redis connection, their version
/// reads pipelined over it: a connection checked out of the pool per
/// lookup made each hit a write, a wake-up of Redis and a read of its own,
/// and opened as many connections as lookups ran at once (up to the pool's
/// size). The count of Redis's clients is read on a Redis of the test's own.
#[tokio::test]
async fn concurrent_hits_on_one_thread_share_one_connection() {
    if redis_url().is_none() {
        return;
    }
    let redis = RedisServer::start();
    let config = CacheConfig {
        backend: CacheBackend::Redis,
        ..cache_config()
    };
    let cache = cache_on(
        &config,
        &RedisConfig {
            url: Some(blog_repositories::SecretUrl::new(redis.url())),
            ..redis_config()
        },
    );
    let key = CacheKey::new("shared");
    let lookup = |cache: Cache, key: CacheKey| async move {
        cache
            .cached(&key, Duration::from_secs(60), &[posts()], || async {
                Ok::<_, Infallible>(7)
            })
            .await
            .unwrap()
    };
    assert_eq!(lookup(cache.clone(), key.clone()).await, 7);
    let start = Arc::new(Barrier::new(50));
    let hits: Vec<_> = (0..50)
        .map(|_| {
            let (cache, key, start) = (cache.clone(), key.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                lookup(cache, key).await
            })
        })
        .collect();
    for hit in hits {
        assert_eq!(hit.await.unwrap(), 7);
    }
    assert_eq!(cache.stats().errors, 0);
    let mut observer = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let info: String = redis::cmd("INFO")
        .arg("clients")
        .query_async(&mut observer)
        .await
        .unwrap();
    let clients: u32 = info
        .lines()
        .find_map(|line| line.strip_prefix("connected_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("INFO clients names connected_clients");
    assert_eq!(clients - 1, 1, "the cache's connections, besides ours");
}
