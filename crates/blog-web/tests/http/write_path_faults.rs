//! No acknowledged write lost, none doubled: posts written through nginx
//! while the path from the service to PgBouncer is cut and restored. Every
//! 201 has its row afterwards; every failure is retried with the same
//! `Idempotency-Key` until it succeeds, and no post exists twice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use blog_repositories::Protocol;
use blog_testkit::TestDatabase;
use blog_testkit::fault_proxy::{FaultProxy, upstream_of};
use blog_testkit::nginx::Nginx;
use blog_testkit::pgbouncer::PgBouncer;
use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::Mutex;

use crate::common::TestApp;

/// What the writers saw.
#[derive(Debug, Default)]
struct Tally {
    /// Titles of posts answered 201 on the first try.
    acknowledged: Vec<String>,
    /// Titles whose first try failed (then retried until 201).
    retried: Vec<String>,
    /// Failed attempts in all.
    failures: usize,
}

/// Writes posts `cut{writer}-{n}` through `base` until `until`, each retried
/// with its key until it is acknowledged.
async fn writer(
    base: String,
    token: String,
    writer: usize,
    until: Instant,
    tally: Arc<Mutex<Tally>>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    for n in 0.. {
        if Instant::now() > until {
            return;
        }
        let title = format!("cut{writer}-{n}");
        let mut attempts = 0;
        loop {
            let sent = client
                .post(format!("{base}/api/posts/"))
                .bearer_auth(&token)
                .header("idempotency-key", &title)
                .json(&json!({"title": title, "content": "kept", "category_id": 1}))
                .send()
                .await;
            if sent.is_ok_and(|r| r.status() == StatusCode::CREATED) {
                break;
            }
            attempts += 1;
            assert!(attempts < 200, "{title} never succeeded");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut tally = tally.lock().await;
        tally.failures += attempts;
        if attempts == 0 {
            tally.acknowledged.push(title);
        } else {
            tally.retried.push(title);
        }
    }
}

#[tokio::test]
async fn no_acknowledged_write_is_lost_or_doubled_when_the_database_path_is_cut() {
    let test_db = TestDatabase::new().await;
    if !test_db.is_postgres() {
        return;
    }
    let bouncer = PgBouncer::start(&test_db.url, 4);
    let proxy = FaultProxy::start(upstream_of(bouncer.url())).await;
    let through = proxy.url_for(bouncer.url());
    let app = TestApp::on_database(test_db, 3, |config| {
        config.database.url = blog_repositories::SecretUrl::new(through);
        config.database.protocol = Protocol::Simple;
        config.database.pool.acquire_timeout = Duration::from_millis(500);
    })
    .await;
    let address = app.base.trim_start_matches("http://").parse().unwrap();
    let nginx = Nginx::start(&[address]);
    let token = app.login("testuser", "testpass123").await;

    let tally = Arc::new(Mutex::new(Tally::default()));
    let until = Instant::now() + Duration::from_secs(3);
    let writers: Vec<_> = (0..4)
        .map(|w| tokio::spawn(writer(nginx.base(), token.clone(), w, until, tally.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    proxy.restore();
    for task in writers {
        task.await.unwrap();
    }

    let tally = tally.lock().await;
    let written: Vec<&String> = tally.acknowledged.iter().chain(&tally.retried).collect();
    for title in &written {
        let sql = format!("SELECT COUNT(*) AS n FROM posts WHERE title = '{title}'");
        assert_eq!(app.sql_count(&sql).await, 1, "{title}: one row");
    }
    let rows = app
        .sql_count("SELECT COUNT(*) AS n FROM posts WHERE title LIKE 'cut%'")
        .await;
    println!(
        "writes acknowledged first time {}, after a retry {}, failed attempts {}, rows {rows}",
        tally.acknowledged.len(),
        tally.retried.len(),
        tally.failures
    );
    assert_eq!(rows as usize, written.len(), "no post lost, none doubled");
    assert!(tally.failures > 0, "the cut was felt: {tally:?}");
}
