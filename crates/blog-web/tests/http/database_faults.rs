//! PostgreSQL failing under the service: stalled (a table locked), not there
//! at start, cut mid-run. Every request gets an answer within the timeouts:
//! 503 with `Retry-After` while it lasts, the right page once it is over,
//! without a restart. (PostgreSQL only: the faults are of a server.)

use std::time::{Duration, Instant};

use blog_repositories::{SecretUrl, database};
use blog_testkit::fault_proxy::{FaultProxy, upstream_of};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;

use crate::common::TestApp;

/// The pool's acquire timeout in these tests.
const ACQUIRE: Duration = Duration::from_millis(500);

/// A site of `posts` posts whose pool reaches PostgreSQL through `proxy`
/// (created on PostgreSQL's address), uncached; `None` on SQLite.
async fn behind_proxy(posts: usize) -> Option<(TestApp, FaultProxy)> {
    let url = std::env::var("TEST_DATABASE_URL").ok()?;
    let proxy = FaultProxy::start(upstream_of(&url)).await;
    let app = TestApp::with_config(posts, |config| {
        config.cache.backend = blog_services::cache::CacheBackend::Off;
        let direct = config.database.url.expose().to_owned();
        config.database.url = SecretUrl::new(proxy.url_for(&direct));
        config.database.pool.acquire_timeout = ACQUIRE;
        config.database.pool.min_connections = 0;
    })
    .await;
    Some((app, proxy))
}

/// Status and `Retry-After` of a GET, and how long it took.
async fn probe(app: &TestApp, path: &str) -> (StatusCode, Option<String>, Duration) {
    let started = Instant::now();
    let response = app.get(path).await;
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status(), retry, started.elapsed())
}

/// Waits until `path` answers 200; how long that took from `since`.
async fn until_ok(app: &TestApp, path: &str, since: Instant) -> Duration {
    loop {
        if app.get(path).await.status() == StatusCode::OK {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(15),
            "{path} never recovered"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_stalled_database_gives_503_with_retry_after_never_a_hung_request() {
    let app = TestApp::with_config(3, |config| {
        config.database.statement_timeout = Duration::from_millis(300);
        config.cache.backend = blog_services::cache::CacheBackend::Off;
    })
    .await;
    if !app.test_db.is_postgres() {
        return;
    }
    assert_eq!(app.get("/api/posts/").await.status(), StatusCode::OK);
    // Another session holds the posts table.
    let locker = app.test_db.db.begin().await.unwrap();
    locker
        .execute_unprepared("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    for path in ["/api/posts/", "/blog/", "/blog/1/"] {
        let (status, retry, took) = probe(&app, path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(retry.is_some(), "{path} says when to retry");
        assert!(took < Duration::from_secs(2), "{path} took {took:?}");
    }
    drop(locker); // rolls back, releasing the lock
    until_ok(&app, "/api/posts/", Instant::now()).await;
}

#[tokio::test]
async fn the_service_starts_without_its_database_and_serves_once_it_answers() {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        return;
    };
    let proxy = FaultProxy::start(upstream_of(&url)).await;
    proxy.cut();
    let app = TestApp::with_config(3, |config| {
        let direct = config.database.url.expose().to_owned();
        config.database.url = SecretUrl::new(proxy.url_for(&direct));
        config.database.pool.acquire_timeout = ACQUIRE;
    })
    .await;
    for path in ["/blog/", "/api/posts/", "/health/ready/"] {
        let (status, retry, _) = probe(&app, path).await;
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path} while starting"
        );
        assert!(retry.is_some(), "{path} says when to retry");
    }
    assert_eq!(app.get("/health/live/").await.status(), StatusCode::OK);
    let back = Instant::now();
    proxy.restore();
    let ready_after = until_ok(&app, "/health/ready/", back).await;
    assert!(
        ready_after < Duration::from_secs(5),
        "ready after {ready_after:?}"
    );
    assert_eq!(app.get("/blog/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_database_cut_mid_run_gives_fast_503s_and_service_resumes_when_it_returns() {
    let Some((app, proxy)) = behind_proxy(3).await else {
        return;
    };
    assert_eq!(app.get("/api/posts/").await.status(), StatusCode::OK);
    proxy.cut();
    let mut slowest = Duration::ZERO;
    for path in ["/api/posts/", "/blog/2/", "/health/ready/"] {
        let (status, retry, took) = probe(&app, path).await;
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path} without the database"
        );
        assert!(retry.is_some(), "{path} says when to retry");
        assert!(took < ACQUIRE * 3, "{path} took {took:?}");
        slowest = slowest.max(took);
    }
    println!("503 without PostgreSQL after at most {slowest:?}");
    assert_eq!(app.get("/health/live/").await.status(), StatusCode::OK);
    let back = Instant::now();
    proxy.restore();
    let resumed = until_ok(&app, "/api/posts/", back).await;
    println!("service resumed {resumed:?} after PostgreSQL returned");
    assert!(
        resumed < Duration::from_secs(5),
        "resumed after {resumed:?}"
    );
    assert_eq!(app.get("/health/ready/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn behind_a_pooler_the_service_waits_for_pending_migrations_then_serves() {
    let test_db = blog_testkit::TestDatabase::new().await;
    if !test_db.is_postgres() {
        return;
    }
    // The newest migration is not applied yet (as after a deploy of new code
    // before `blog migrate` ran).
    let forget =
        "DELETE FROM seaql_migrations WHERE version = (SELECT MAX(version) FROM seaql_migrations)";
    test_db.db.execute_unprepared(forget).await.unwrap();
    let pending = database::pending_migrations(&test_db.db).await.unwrap();
    let [newest] = pending.as_slice() else {
        panic!("one pending migration: {pending:?}");
    };
    let app = TestApp::on_database(test_db, 2, |config| {
        config.database.protocol = blog_repositories::Protocol::Simple;
    })
    .await;
    let (status, retry, _) = probe(&app, "/blog/").await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "not ready with {newest} pending"
    );
    assert!(retry.is_some());
    assert_eq!(
        app.get("/health/ready/").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    // `blog migrate` ran elsewhere.
    let applied =
        format!("INSERT INTO seaql_migrations (version, applied_at) VALUES ('{newest}', 0)");
    app.sql(&applied).await;
    let ready = until_ok(&app, "/blog/", Instant::now()).await;
    assert!(
        ready < Duration::from_secs(3),
        "serving {ready:?} after the migration"
    );
}
