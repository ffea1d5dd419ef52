//! The service as a hostile visitor tries it: crafted filters, NUL bytes,
//! oversized bodies, a lost database. Nothing a client sends gets a 5xx, and
//! no request changes what another visitor sees.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

/// The query strings that used to share the front page's cache entry, and
/// their relatives: empty values, escaped forms.
const HOSTILE_FILTERS: [&str; 9] = [
    "?tag=-",
    "?tag=%2D",
    "?tag=",
    "?tag=%25",
    "?tag=%252D",
    "?tag=a%3Ab",
    "?tag=%20",
    "?category=",
    "?tag=-&category=",
];

/// The unfiltered list, as `/api/posts/` and `/blog/` show it.
async fn front_page(app: &TestApp) -> (i64, String) {
    let (status, body) = app.json("/api/posts/").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, html) = app.fetch("/blog/").await;
    assert_eq!(status, StatusCode::OK);
    (body["count"].as_i64().unwrap(), html)
}

#[tokio::test]
async fn no_filter_value_can_blank_the_front_page() {
    let app = TestApp::cached(25).await;
    let token = app.login_as("user3").await;
    for filter in HOSTILE_FILTERS {
        // A write first, so the request below meets a cold list.
        app.authed(Method::POST, "/api/posts/3/like/", &token)
            .send()
            .await
            .unwrap();
        for path in [format!("/api/posts/{filter}"), format!("/blog/{filter}")] {
            let status = app.get(&path).await.status();
            assert!(
                status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
                "{path}: {status}"
            );
        }
        let (count, html) = front_page(&app).await;
        assert_eq!(
            count, 25,
            "after {filter} the front page still counts every post"
        );
        assert!(html.contains("25 posts"), "after {filter}: {html}");
        app.authed(Method::DELETE, "/api/posts/3/like/", &token)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_nul_byte_is_a_client_error_everywhere() {
    let app = TestApp::cached(5).await;
    for path in [
        "/search/?q=a%00b",
        "/api/posts/?tag=%00",
        "/blog/?tag=%00",
        "/blog/?tag=a%00",
        "/api/posts/?page=%00",
        "/api/posts/?category=%00",
        "/blog/%00/",
    ] {
        let status = app.get(path).await.status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
    }
    let login = |body: Value| app.client.post(app.url("/auth/login/")).json(&body).send();
    for body in [
        json!({"username": "test\u{0}user", "password": "x"}),
        json!({"username": "testuser", "password": "a\u{0}b"}),
    ] {
        let response = login(body).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let form = app
        .client
        .post(app.url("/auth/login/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=a%00b&password=x")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let token = app.login_as("user2").await;
    let post = |title: &str, content: &str, tags: Value| json!({"title": title, "content": content, "category_id": 1, "tags": tags});
    for (field, body) in [
        ("title", post("a\u{0}b", "words", json!([]))),
        ("content", post("t", "a\u{0}b", json!([]))),
        ("tags", post("t", "words", json!(["a\u{0}b"]))),
    ] {
        let response = app
            .authed(Method::POST, "/api/posts/", &token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        let body: Value = response.json().await.unwrap();
        assert!(body["fields"][field].is_string(), "{body}");
    }
    let comment = app
        .authed(Method::POST, "/api/posts/1/comments/", &token)
        .json(&json!({"content": "a\u{0}b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(comment.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn filter_values_longer_than_any_stored_one_are_refused() {
    let app = TestApp::with_posts(3).await;
    let long_tag = "t".repeat(51);
    let long_query = "q".repeat(201);
    for path in [
        format!("/api/posts/?tag={long_tag}"),
        format!("/blog/?tag={long_tag}"),
        format!("/search/?q={long_query}"),
    ] {
        assert_eq!(
            app.get(&path).await.status(),
            StatusCode::BAD_REQUEST,
            "{path}"
        );
    }
    let fifty = "t".repeat(50);
    assert_eq!(
        app.get(&format!("/api/posts/?tag={fifty}")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_body_is_read_only_after_the_token_is_checked() {
    let app = TestApp::with_posts(3).await;
    let big = "x".repeat(2 * 1024 * 1024);
    let with = |token: &str| {
        app.authed(Method::POST, "/api/posts/", token)
            .header("content-type", "application/json")
            .body(big.clone())
    };
    let response = with("not-a-token").send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "401 before 413"
    );
    let token = app.login_as("user2").await;
    let response = with(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let login = app
        .client
        .post(app.url("/auth/login/"))
        .header("content-type", "application/json")
        .body("x".repeat(8 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "login bodies are small"
    );
}

#[tokio::test]
async fn every_503_says_when_to_retry() {
    let app = TestApp::with_posts(3).await;
    app.app_db.clone().close().await.unwrap();
    for path in ["/health/", "/blog/", "/api/posts/1/"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        let retry = response.headers().get("retry-after").expect("Retry-After");
        assert_eq!(retry, "2", "the pool's acquire timeout, in seconds");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::with_posts(3).await;
    for path in [
        "/blog/",
        "/blog/1/",
        "/search/?q=x",
        "/api/posts/",
        "/nowhere/",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    }
    let login = app
        .client
        .post(app.url("/auth/login/"))
        .json(&json!({"username": "user2", "password": "password2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.headers()["cache-control"], "no-store");
    let pages = ["post_list", "post_detail", "search", "monitoring", "base"];
    for page in pages {
        let html = std::fs::read_to_string(format!("../../templates/{page}.html")).unwrap();
        assert!(
            !html.contains("<style") && !html.contains("style=") && !html.contains("<script>"),
            "{page}.html has no inline style or script"
        );
    }
}

/// What the fuzzer found: a JSON array read as an object, duplicate tags
/// counted after merging, and a whole number spelled as a float refused.
#[tokio::test]
async fn bodies_are_objects_and_rules_count_what_was_sent() {
    let app = TestApp::with_posts(3).await;
    let token = app.login_as("user2").await;
    let send = |method: Method, path: &str, body: &str| {
        app.authed(method, path, &token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
    };
    for (path, body) in [
        ("/api/posts/", r#"["t", "c", 1, null]"#),
        ("/api/posts/1/comments/", r#"["hello"]"#),
        ("/auth/login/", r#"["user2", "password2"]"#),
    ] {
        let status = send(Method::POST, path, body).await.unwrap().status();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} with an array");
    }
    let eleven = json!({"title": "t", "content": "c", "category_id": 1, "tags": vec!["a"; 11]});
    let response = send(Method::POST, "/api/posts/", &eleven.to_string())
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "11 tags sent"
    );
    let float = r#"{"title": "t", "content": "c", "category_id": 1.0}"#;
    let response = send(Method::POST, "/api/posts/", float).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "1.0 is the integer 1"
    );
    let fraction = r#"{"title": "t", "content": "c", "category_id": 1.5}"#;
    let response = send(Method::POST, "/api/posts/", fraction).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
