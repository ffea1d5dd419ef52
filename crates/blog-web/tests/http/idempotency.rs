//! `Idempotency-Key` on the two creating writes: a retry returns the first
//! response and creates nothing, even when the retries race; the same key
//! with another request, or from another user, is not a retry.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

/// A POST of `body` to `path` with `key`, as `token`: status and JSON body.
async fn post(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let response = app
        .authed(Method::POST, path, token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn new_post(title: &str) -> Value {
    json!({"title": title, "content": "once only", "category_id": 1, "tags": ["retry"]})
}

#[tokio::test]
async fn a_repeated_key_returns_the_first_post_and_creates_nothing() {
    let app = TestApp::cached(3).await;
    let token = app.login("testuser", "testpass123").await;
    let body = new_post("idempotent");
    let (status, first) = post(&app, "/api/posts/", &token, "key-1", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    for _ in 0..3 {
        let (status, again) = post(&app, "/api/posts/", &token, "key-1", &body).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(again, first, "the first response, byte for byte in JSON");
    }
    let count = "SELECT COUNT(*) AS n FROM posts WHERE title = 'idempotent'";
    assert_eq!(app.sql_count(count).await, 1);

    // The same key with another body is refused, and writes nothing.
    let (status, refused) = post(&app, "/api/posts/", &token, "key-1", &new_post("other")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let message = refused["error"].as_str().unwrap();
    assert!(message.contains("different request"), "{refused}");
    // Another user's key of the same name is theirs.
    let other = app.login_as("user2").await;
    let (status, theirs) = post(&app, "/api/posts/", &other, "key-1", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(theirs["id"], first["id"]);
    assert_eq!(app.sql_count(count).await, 2);
    // No key: every request writes.
    let plain = app
        .authed(Method::POST, "/api/posts/", &token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::CREATED);
    assert_eq!(app.sql_count(count).await, 3);
}

#[tokio::test]
async fn racing_retries_with_one_key_create_one_post() {
    let app = TestApp::cached(2).await;
    let token = app.login("testuser", "testpass123").await;
    let body = new_post("raced");
    let tries = (0..8).map(|_| post(&app, "/api/posts/", &token, "race", &body));
    let answers = futures::future::join_all(tries).await;
    let ids: Vec<&Value> = answers.iter().map(|(_, body)| &body["id"]).collect();
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "{body}");
    }
    assert!(ids.iter().all(|id| *id == ids[0]), "one post: {ids:?}");
    let count = "SELECT COUNT(*) AS n FROM posts WHERE title = 'raced'";
    assert_eq!(
        app.sql_count(count).await,
        1,
        "duplicates created by retries"
    );
}

#[tokio::test]
async fn a_repeated_key_on_a_comment_returns_the_first_comment() {
    let app = TestApp::cached(2).await;
    let token = app.login("testuser", "testpass123").await;
    let body = json!({"content": "said once"});
    let path = "/api/posts/1/comments/";
    let (status, first) = post(&app, path, &token, "c-1", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = post(&app, path, &token, "c-1", &body).await;
    assert_eq!((status, &again), (StatusCode::CREATED, &first));
    let count = "SELECT COUNT(*) AS n FROM comments WHERE content = 'said once'";
    assert_eq!(app.sql_count(count).await, 1);
    // The key is per request: the same key on another post is another request.
    let (status, _) = post(&app, "/api/posts/2/comments/", &token, "c-1", &body).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_malformed_key_is_a_client_error_that_writes_nothing() {
    let app = TestApp::cached(1).await;
    let token = app.login("testuser", "testpass123").await;
    let long = "k".repeat(256);
    for key in ["", "with space", long.as_str()] {
        let (status, body) = post(&app, "/api/posts/", &token, key, &new_post("bad key")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key:?}: {body}");
    }
    let twice = app
        .authed(Method::POST, "/api/posts/", &token)
        .header("idempotency-key", "a")
        .header("idempotency-key", "b")
        .json(&new_post("bad key"))
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), StatusCode::BAD_REQUEST);
    let count = "SELECT COUNT(*) AS n FROM posts WHERE title = 'bad key'";
    assert_eq!(app.sql_count(count).await, 0);
}

#[tokio::test]
async fn a_key_expires_after_a_day() {
    let app = TestApp::cached(1).await;
    let token = app.login("testuser", "testpass123").await;
    let body = new_post("daily");
    let (_, first) = post(&app, "/api/posts/", &token, "day", &body).await;
    app.sql("UPDATE idempotency_keys SET created_at = '2000-01-01T00:00:00Z'")
        .await;
    let (status, second) = post(&app, "/api/posts/", &token, "day", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(second["id"], first["id"], "an expired key is a new request");
}
