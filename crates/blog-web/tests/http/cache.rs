//! The cache seen from outside: repeated reads cost no SQL, and the site keeps
//! answering, with the right data, when Redis is unreachable or dies mid-run.

use std::time::{Duration, Instant};

use blog_repositories::SecretUrl;
use blog_services::cache::CacheBackend;
use blog_testkit::fault_proxy::{FaultProxy, upstream_of};
use blog_testkit::redis_url;
use reqwest::StatusCode;

use crate::common::{TestApp, card_ids};

const PAGES: [&str; 7] = [
    "/blog/",
    "/blog/?page=2",
    "/blog/?category=3",
    "/blog/?tag=tag4",
    "/blog/7/",
    "/api/posts/?page=3",
    "/search/?q=django",
];

#[tokio::test]
async fn a_second_request_for_a_page_costs_no_sql() {
    let app = TestApp::cached(45).await;
    // (`/api/posts/7/` and `/blog/7/` share one cached post, as `/blog/` and
    // `/api/posts/` share one cached list.)
    for path in PAGES {
        let (status, first, body) = app.fetch(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(first > 0, "{path} loads from the database the first time");
        let (_, second, again) = app.fetch(path).await;
        assert_eq!(second, 0, "{path} is served from the cache");
        assert_eq!(body, again, "{path} is the same page");
    }
    let stats = app.cache.stats();
    assert!(stats.hits >= 8 && stats.errors == 0, "{stats:?}");
}

/// After a like, list pages reload; their categories and totals come from the
/// query-result cache (which likes do not touch), so the reload costs 1, not 2.
#[tokio::test]
async fn the_query_cache_spares_the_count_after_unrelated_writes() {
    let app = TestApp::cached(30).await;
    assert_eq!(app.fetch("/blog/").await.1, 2);
    assert_eq!(app.fetch("/blog/").await.1, 0);
    let token = app.login("testuser", "testpass123").await;
    app.authed(reqwest::Method::POST, "/api/posts/30/like/", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(app.fetch("/blog/").await.1, 1, "the cards only");
}

#[tokio::test]
async fn an_unreachable_redis_changes_nothing_but_the_statement_count() {
    let reference = TestApp::with_posts(45).await;
    let app = with_redis_at(
        45,
        "redis://127.0.0.1:1/0".into(),
        Duration::from_millis(500),
    )
    .await;
    for path in PAGES {
        let started = Instant::now();
        let (status, statements, body) = app.fetch(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(statements > 0);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{path} took {:?}",
            started.elapsed()
        );
        let (_, _, expected) = reference.fetch(path).await;
        assert_eq!(
            card_ids(&body),
            card_ids(&expected),
            "{path} shows the same posts"
        );
    }
    assert!(app.cache.stats().errors > 0);
}

/// A site whose Redis is at `url`, with this operation timeout.
async fn with_redis_at(posts: usize, url: String, timeout: Duration) -> TestApp {
    TestApp::with_config(posts, |config| {
        config.cache.backend = CacheBackend::Redis;
        config.redis.url = Some(SecretUrl::new(url));
        config.redis.timeout = timeout;
    })
    .await
}

#[tokio::test]
async fn redis_dying_mid_run_degrades_to_the_database_and_recovers() {
    let Some(url) = redis_url() else {
        eprintln!("TEST_REDIS_URL is not set: the Redis proxy test needs a real Redis");
        return;
    };
    let proxy = FaultProxy::start(upstream_of(&url)).await;
    let url = proxy.url_for(&url);
    let app = with_redis_at(45, url, Duration::from_millis(100)).await;
    app.sql("DELETE FROM likes WHERE post_id = 45 AND user_id = 1")
        .await;
    let token = app.login("testuser", "testpass123").await;
    let (_, before) = app.json("/api/posts/45/").await;
    let (_, again) = app.json("/api/posts/45/").await;
    assert_eq!(before, again);
    let likes = before["like_count"].as_i64().unwrap();
    let mut expected = Vec::new();
    for path in PAGES {
        let (_, _, body) = app.fetch(path).await;
        assert_eq!(
            app.fetch(path).await.1,
            0,
            "{path} cached through the proxy"
        );
        expected.push(card_ids(&body));
    }

    proxy.cut();
    for (path, ids) in PAGES.iter().zip(&expected) {
        let started = Instant::now();
        let (status, statements, body) = app.fetch(path).await;
        assert_eq!(status, StatusCode::OK, "{path} with Redis gone");
        assert!(statements > 0, "{path} came from the database");
        assert_eq!(&card_ids(&body), ids, "{path} shows the right posts");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{path} took {:?}",
            started.elapsed()
        );
    }
    assert!(app.cache.stats().errors > 0);

    // A write while Redis is gone succeeds; its invalidation waits for Redis.
    let liked = app
        .authed(reqwest::Method::POST, "/api/posts/45/like/", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(liked.status(), StatusCode::OK);
    let liked: serde_json::Value = liked.json().await.unwrap();
    assert_eq!(liked["like_count"].as_i64(), Some(likes + 1));

    // Redis is back: the pool reconnects by itself and pages are cached again.
    proxy.restore();
    app.until_cached("/blog/", Duration::from_secs(10)).await;
    // No page shows data from before the write, though Redis held it.
    let (_, detail) = app.json("/api/posts/45/").await;
    assert_eq!(
        detail["like_count"].as_i64(),
        Some(likes + 1),
        "fresh after Redis came back"
    );
    let (_, list) = app.json("/api/posts/").await;
    assert_eq!(list["results"][0]["like_count"].as_i64(), Some(likes + 1));
}

#[tokio::test]
async fn the_cache_backend_follows_the_settings() {
    let app = TestApp::cached(0).await;
    let expected = if redis_url().is_some() {
        CacheBackend::Redis
    } else {
        CacheBackend::Memory
    };
    assert_eq!(app.cache.backend(), expected);
}
