//! Redis dying under load, twice: cut off by a TCP proxy the test controls,
//! then its server killed (SIGKILL) and started again empty. No read fails,
//! every write succeeds, and once Redis is back nothing stale is served and
//! pages are cached again.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use blog_repositories::SecretUrl;
use blog_services::cache::CacheBackend;
use blog_testkit::fault_proxy::{FaultProxy, upstream_of};
use blog_testkit::redis_server::RedisServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

const READ_PATHS: [&str; 5] = [
    "/blog/",
    "/api/posts/",
    "/api/posts/?page=2",
    "/blog/3/",
    "/search/?q=rust",
];

/// What the load saw.
#[derive(Default)]
struct Load {
    reads: AtomicUsize,
    failed_reads: AtomicUsize,
    writes: AtomicUsize,
    failed_writes: AtomicUsize,
    newest: AtomicI64,
}

async fn read_until(app: Arc<TestApp>, load: Arc<Load>, until: Instant) {
    for n in 0.. {
        if Instant::now() > until {
            return;
        }
        let status = app.get(READ_PATHS[n % READ_PATHS.len()]).await.status();
        load.reads.fetch_add(1, Ordering::Relaxed);
        if status != StatusCode::OK {
            load.failed_reads.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn write_until(app: Arc<TestApp>, token: String, load: Arc<Load>, until: Instant) {
    for n in 0.. {
        if Instant::now() > until {
            return;
        }
        let created = app
            .authed(Method::POST, "/api/posts/", &token)
            .json(&json!({"title": format!("under load {n}"), "content": "x", "category_id": 1}))
            .send()
            .await
            .unwrap();
        load.writes.fetch_add(1, Ordering::Relaxed);
        if created.status() == StatusCode::CREATED {
            let id = created.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap();
            load.newest.store(id, Ordering::Relaxed);
        } else {
            load.failed_writes.fetch_add(1, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn redis_cut_then_killed_under_load_fails_no_request_and_serves_nothing_stale() {
    if blog_testkit::redis_url().is_none() {
        return;
    }
    let mut redis = RedisServer::start();
    let proxy = FaultProxy::start(upstream_of(&redis.url())).await;
    let through = proxy.url_for(&redis.url());
    let app = Arc::new(
        TestApp::with_config(30, |config| {
            config.cache.backend = CacheBackend::Redis;
            config.redis.url = Some(SecretUrl::new(through));
            config.redis.timeout = Duration::from_millis(100);
            config.server.workers = 2;
        })
        .await,
    );
    let token = app.login("testuser", "testpass123").await;
    let load = Arc::new(Load::default());
    let until = Instant::now() + Duration::from_secs(4);
    let mut tasks: Vec<_> = (0..6)
        .map(|_| tokio::spawn(read_until(app.clone(), load.clone(), until)))
        .collect();
    tasks.push(tokio::spawn(write_until(
        app.clone(),
        token,
        load.clone(),
        until,
    )));

    tokio::time::sleep(Duration::from_millis(800)).await;
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(800)).await;
    proxy.restore();
    tokio::time::sleep(Duration::from_millis(800)).await;
    redis.kill();
    tokio::time::sleep(Duration::from_millis(800)).await;
    redis.restart();
    for task in tasks {
        task.await.unwrap();
    }

    let (reads, failed) = (
        load.reads.load(Ordering::Relaxed),
        load.failed_reads.load(Ordering::Relaxed),
    );
    let (writes, failed_writes) = (
        load.writes.load(Ordering::Relaxed),
        load.failed_writes.load(Ordering::Relaxed),
    );
    println!(
        "under Redis faults: {reads} reads, {failed} failed; {writes} writes, {failed_writes} failed"
    );
    assert_eq!(failed, 0, "no read failed");
    assert_eq!(failed_writes, 0, "every write succeeded");
    assert!(app.cache.stats().errors > 0, "the faults were felt");

    // Redis is back: pages are cached again, and none is stale.
    let newest = load.newest.load(Ordering::Relaxed);
    app.until_cached("/api/posts/", Duration::from_secs(5))
        .await;
    let (_, list) = app.json("/api/posts/").await;
    assert_eq!(
        list["results"][0]["id"].as_i64(),
        Some(newest),
        "fresh list"
    );
    let rows = app.sql_count("SELECT COUNT(*) AS n FROM posts").await;
    assert_eq!(list["count"].as_i64(), Some(rows), "fresh count");
}
