//! `/api/dashboard/`: four parts fetched concurrently, each on its own, with a
//! local stub standing in for the external API.

use std::time::{Duration, Instant};

use blog_repositories::SecretUrl;
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::{TestApp, query_count};

/// An HTTP server on 127.0.0.1 that answers every request with `status` and
/// `body` after `delay`. Returns its URL.
async fn stub(delay: Duration, status: u16, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/stats", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                tokio::time::sleep(delay).await;
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    url
}

async fn app_with_external(url: Option<String>) -> TestApp {
    TestApp::with_config(30, |config| {
        config.dashboard.external_api_url = url.map(SecretUrl::new);
    })
    .await
}

async fn dashboard(app: &TestApp, token: &str) -> (Value, u32, Duration) {
    let started = Instant::now();
    let response = app
        .authed(Method::GET, "/api/dashboard/", token)
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::OK);
    let statements = query_count(response.headers());
    (response.json().await.unwrap(), statements, elapsed)
}

#[tokio::test]
async fn the_dashboard_takes_as_long_as_its_slowest_part() {
    let url = stub(Duration::from_secs(1), 200, r#"{"visitors": 42}"#).await;
    let app = app_with_external(Some(url)).await;
    let token = app.login("testuser", "testpass123").await;
    // On PostgreSQL the database parts are made slow too: another transaction
    // holds `posts` for 1 s, so done one after another the parts would take 2 s.
    let held = if app.test_db.is_postgres() {
        let txn = app.test_db.db.begin().await.unwrap();
        txn.execute_unprepared("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
        Some(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            txn.commit().await.unwrap();
        }))
    } else {
        None
    };
    let (body, _, elapsed) = dashboard(&app, &token).await;
    assert_eq!(body["external_data"], json!({"visitors": 42}));
    assert!(body["user_stats"]["total_posts"].is_i64());
    assert!(body["recent_posts"].is_array());
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_millis(1800),
        "the slowest part (1 s), not the sum (2 s with the table held): {elapsed:?}"
    );
    if let Some(held) = held {
        held.await.unwrap();
    }
}

#[tokio::test]
async fn a_slow_or_broken_external_api_is_an_error_part_not_an_error() {
    let slow = stub(Duration::from_secs(4), 200, "{}").await;
    let app = app_with_external(Some(slow)).await;
    let token = app.login("testuser", "testpass123").await;
    let (body, _, elapsed) = dashboard(&app, &token).await;
    assert_eq!(
        body["external_data"],
        json!({"error": "External API timeout"})
    );
    assert!(
        elapsed < Duration::from_millis(2600),
        "2 s timeout: {elapsed:?}"
    );
    assert!(
        body["user_stats"]["total_posts"].is_i64(),
        "the other parts are intact"
    );

    for url in [
        Some(stub(Duration::ZERO, 500, r#"{"oops": true}"#).await),
        Some(stub(Duration::ZERO, 200, "not json").await),
        Some("http://127.0.0.1:1/stats".to_owned()),
        None,
    ] {
        let app = app_with_external(url.clone()).await;
        let token = app.login("testuser", "testpass123").await;
        let (body, _, _) = dashboard(&app, &token).await;
        assert_eq!(
            body["external_data"],
            json!({"error": "External API unavailable"}),
            "{url:?}"
        );
    }
}

#[tokio::test]
async fn user_stats_recent_posts_and_analytics_are_right_and_fresh() {
    let app = app_with_external(None).await;
    let token = app.login("user3", "password3").await;
    assert_eq!(
        app.get("/api/dashboard/").await.status(),
        StatusCode::UNAUTHORIZED
    );

    let (body, first, _) = dashboard(&app, &token).await;
    let (_, cached, _) = dashboard(&app, &token).await;
    assert_eq!(first, 3, "token, stats (one aggregate), recent posts");
    assert_eq!(cached, 1, "the token and the stats come from the cache");

    let stats = &body["user_stats"];
    let (_, all) = app.json("/api/posts/?page=1").await;
    assert!(all["count"].as_i64().unwrap() >= 1);
    let mine = count_posts_of(&app, "user3").await;
    assert_eq!(stats["total_posts"].as_i64().unwrap() as usize, mine.len());
    let views: i64 = mine.iter().map(|p| p["view_count"].as_i64().unwrap()).sum();
    let average = if mine.is_empty() {
        0.0
    } else {
        views as f64 / mine.len() as f64
    };
    assert!((stats["average_views"].as_f64().unwrap() - average).abs() < 1e-6);
    let mut days: Vec<String> = mine
        .iter()
        .map(|p| p["created_at"].as_str().unwrap()[..10].to_owned())
        .collect();
    days.sort();
    days.dedup();
    assert_eq!(stats["active_days"].as_i64().unwrap() as usize, days.len());
    let recent = body["recent_posts"].as_array().unwrap();
    assert_eq!(recent.len(), mine.len().min(10));
    let newest: Vec<i64> = mine
        .iter()
        .take(10)
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    let listed: Vec<i64> = recent.iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(listed, newest);
    assert!(recent.iter().all(|p| p["category"].is_string()));

    // Page views and new posts are counted per day.
    for _ in 0..3 {
        app.get("/blog/").await;
    }
    let created = app
        .authed(Method::POST, "/api/posts/", &token)
        .json(&json!({"title": "Dashboard news", "content": "words words", "category_id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let (body, _, _) = dashboard(&app, &token).await;
    assert_eq!(
        body["user_stats"]["total_posts"].as_i64().unwrap() as usize,
        mine.len() + 1,
        "stats are fresh after a write"
    );
    assert_eq!(body["recent_posts"][0]["title"], "Dashboard news");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let counts = &body["analytics"]["daily"][&today];
    assert!(counts["page_views"].as_i64().unwrap() >= 3, "{counts}");
    assert_eq!(counts["new_posts"], 1);
}

/// Every post of `username`, newest first, through the public API.
async fn count_posts_of(app: &TestApp, username: &str) -> Vec<Value> {
    let mut mine = Vec::new();
    let mut page = 1;
    loop {
        let (status, body) = app.json(&format!("/api/posts/?page={page}")).await;
        if status != StatusCode::OK {
            break;
        }
        mine.extend(
            body["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["author"] == username)
                .cloned(),
        );
        if page >= body["pages"].as_u64().unwrap() {
            break;
        }
        page += 1;
    }
    mine
}
