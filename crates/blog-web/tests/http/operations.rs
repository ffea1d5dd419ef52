//! What an operator's probes and proxies rely on: liveness and readiness,
//! and the request limits the server enforces before any handler runs.

use reqwest::StatusCode;

use crate::common::{TestApp, query_count};

#[tokio::test]
async fn live_needs_nothing_and_ready_needs_the_database() {
    let app = TestApp::with_posts(3).await;
    let live = app.get("/health/live/").await;
    assert_eq!(
        (live.status(), query_count(live.headers())),
        (StatusCode::OK, 0)
    );
    for path in ["/health/ready/", "/health/"] {
        let response = app.get(path).await;
        assert_eq!(
            (response.status(), query_count(response.headers())),
            (StatusCode::OK, 1),
            "{path}"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        let redis = if std::env::var("TEST_REDIS_URL").is_ok_and(|u| !u.is_empty()) {
            "ok"
        } else {
            "not configured"
        };
        assert_eq!(
            (body["status"].as_str(), body["redis"].as_str()),
            (Some("ok"), Some(redis))
        );
    }

    app.app_db.clone().close().await.unwrap();
    assert_eq!(app.get("/health/live/").await.status(), StatusCode::OK);
    let (status, body) = app.json("/health/ready/").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "database unavailable");
}

#[tokio::test]
async fn ready_is_503_while_a_migration_is_pending() {
    let app = TestApp::empty().await;
    app.sql("DELETE FROM seaql_migrations WHERE version LIKE '%auth_tokens'")
        .await;
    let response = app.get("/health/ready/").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("m20261125_000003_auth_tokens"), "{error}");
    assert_eq!(app.get("/health/live/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn requests_over_the_limits_get_414_and_431_before_any_statement() {
    let app = TestApp::with_posts(3).await;
    // "GET " + target + " HTTP/1.1" may be 4094 bytes.
    let fits = format!(
        "/search/?q={}",
        "a".repeat(4094 - 4 - 9 - "/search/?q=".len())
    );
    let over = format!("{fits}a");
    assert_ne!(app.get(&fits).await.status(), StatusCode::URI_TOO_LONG);
    let response = app.get(&over).await;
    assert_eq!(
        (response.status(), query_count(response.headers())),
        (StatusCode::URI_TOO_LONG, 0)
    );

    let long_header = "v".repeat(8190 - "x-long".len() - 2 + 1);
    let response = app
        .client
        .get(app.url("/blog/"))
        .header("x-long", long_header)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );

    let mut many = app.client.get(app.url("/blog/"));
    for i in 0..64 {
        many = many.header(format!("x-h{i}"), "1");
    }
    let response = many.send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
    let body = response.text().await.unwrap();
    assert!(body.contains("header fields"), "{body}");
    assert_eq!(app.get("/blog/").await.status(), StatusCode::OK);
}
