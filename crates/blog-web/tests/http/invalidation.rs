//! Durable invalidation across a fleet of two instances on one database and
//! one Redis: a write whose writer lost Redis reaches the other instance
//! within a second (the outbox); rows left by a writer that died are applied
//! by whoever runs; a bulk reset goes the same way.

use std::time::{Duration, Instant};

use blog_repositories::SecretUrl;
use blog_services::PasswordHasher;
use blog_services::cache::CacheBackend;
use blog_services::dataset::{self, DatasetSpec};
use blog_testkit::fault_proxy::{FaultProxy, upstream_of};
use blog_testkit::redis_url;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

/// How long another instance may show a page from before a write.
const CROSS_INSTANCE_BOUND: Duration = Duration::from_secs(1);

/// Instance A reaches Redis through `proxy`, B directly; same prefix.
async fn fleet(posts: usize, redis: &str, proxy: &FaultProxy) -> (TestApp, TestApp) {
    let through_proxy = proxy.url_for(redis);
    let a = TestApp::with_config(posts, |config| {
        config.cache.backend = CacheBackend::Redis;
        config.redis.url = Some(SecretUrl::new(through_proxy));
        config.redis.timeout = Duration::from_millis(100);
    })
    .await;
    let direct = redis.to_owned();
    let b = a
        .another_instance(|config| config.redis.url = Some(SecretUrl::new(direct)))
        .await;
    (a, b)
}

/// The id of the newest post `app` lists.
async fn newest(app: &TestApp) -> i64 {
    let (status, list) = app.json("/api/posts/").await;
    assert_eq!(status, StatusCode::OK);
    list["results"][0]["id"].as_i64().unwrap()
}

/// Waits until `app` lists `id` first; how long that took.
async fn until_listed(app: &TestApp, id: i64, started: Instant) -> Duration {
    loop {
        if newest(app).await == id {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "post {id} never appeared on the other instance"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `/api/posts/` of `app`, once loaded and once from the cache.
async fn warm(app: &TestApp) {
    app.fetch("/api/posts/").await;
    let (_, statements, _) = app.fetch("/api/posts/").await;
    assert_eq!(statements, 0, "the list is cached");
}

#[tokio::test]
async fn a_write_whose_writer_lost_redis_reaches_the_other_instance_within_a_second() {
    let Some(redis) = redis_url() else {
        eprintln!("TEST_REDIS_URL is not set: the fleet test needs a real Redis");
        return;
    };
    let proxy = FaultProxy::start(upstream_of(&redis)).await;
    let (a, b) = fleet(12, &redis, &proxy).await;
    warm(&a).await;
    warm(&b).await;
    let token = a.login("testuser", "testpass123").await;

    proxy.cut();
    let started = Instant::now();
    let created = a
        .authed(Method::POST, "/api/posts/", &token)
        .json(&json!({"title": "written without Redis", "content": "words", "category_id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(newest(&a).await, id, "the writer shows its write at once");

    let stale_for = until_listed(&b, id, started).await;
    println!("cross-instance staleness with the writer cut from Redis: {stale_for:?}");
    assert!(
        stale_for < CROSS_INSTANCE_BOUND,
        "the other instance showed the old list for {stale_for:?}"
    );
    // B deletes the row right after its bump: wait for that.
    let deadline = Instant::now() + Duration::from_secs(5);
    while a
        .sql_count("SELECT COUNT(*) AS n FROM cache_invalidations")
        .await
        > 0
    {
        assert!(
            Instant::now() < deadline,
            "the outbox row was never deleted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Redis is back for A: it resyncs, reads Redis again, and sees the write.
    proxy.restore();
    a.until_cached("/api/posts/", Duration::from_secs(5)).await;
    assert_eq!(newest(&a).await, id);
}

#[tokio::test]
async fn a_row_left_by_a_writer_that_died_is_applied_by_every_instance() {
    let Some(redis) = redis_url() else {
        return;
    };
    let proxy = FaultProxy::start(upstream_of(&redis)).await;
    let (a, b) = fleet(5, &redis, &proxy).await;
    warm(&a).await;
    warm(&b).await;
    let newest_title = async |app: &TestApp| {
        let (_, list) = app.json("/api/posts/").await;
        list["results"][0]["title"].as_str().unwrap().to_owned()
    };
    assert_ne!(newest_title(&b).await, "Rewritten");
    // A writer committed, then died before telling Redis: its row is all that is left.
    a.sql("UPDATE posts SET title = 'Rewritten' WHERE id = 5")
        .await;
    a.sql("INSERT INTO cache_invalidations (tags, created_at) VALUES ('posts', '2100-01-01T00:00:00Z')")
        .await;
    let started = Instant::now();
    while newest_title(&b).await != "Rewritten" {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the write never appeared on the other instance"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let applied = started.elapsed();
    assert!(applied < CROSS_INSTANCE_BOUND, "applied after {applied:?}");
    assert_eq!(newest_title(&a).await, "Rewritten");
}

#[tokio::test]
async fn a_bulk_reset_reaches_every_instance_through_the_outbox() {
    let app = TestApp::cached(5).await;
    // An in-process cache is one instance's own: a fleet shares Redis.
    let mut fleet = vec![];
    if redis_url().is_some() {
        fleet.push(app.another_instance(|_| {}).await);
    }
    let instances: Vec<&TestApp> = std::iter::once(&app).chain(&fleet).collect();
    for instance in &instances {
        warm(instance).await;
    }
    dataset::reset(&app.test_db.db).await.unwrap();
    dataset::seed(
        &app.test_db.db,
        &DatasetSpec::new(2),
        &PasswordHasher::fast_insecure(),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    let started = Instant::now();
    for instance in instances {
        loop {
            let (_, list) = instance.json("/api/posts/").await;
            if list["count"].as_i64() == Some(2) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "the reset never reached an instance: {list}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
