//! Accounts and sessions under attack: guessing is throttled per address and
//! per username, tokens are pruned and capped, the monitoring cookie opens
//! monitoring and nothing else, and only a post's author changes it.

use std::net::SocketAddr;

use blog_services::dataset::ADMIN_USERNAME;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{ADMIN_PASSWORD, TestApp};

/// A login attempt's status and `Retry-After`, from `forwarded_for` if given.
async fn attempt(
    app: &TestApp,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> (StatusCode, Option<String>) {
    let mut request = app
        .client
        .post(app.url("/auth/login/"))
        .json(&json!({"username": username, "password": password}));
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    let response = request.send().await.unwrap();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status(), retry)
}

#[tokio::test]
async fn failed_logins_are_throttled_per_address() {
    let app = TestApp::with_config(3, |c| {
        c.auth.failures_per_address = 3;
        c.auth.failures_per_username = 100;
    })
    .await;
    for n in 2..5 {
        let (status, _) = attempt(&app, &format!("user{n}"), "wrong", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, retry) = attempt(&app, "user9", "password9", None).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even right credentials wait"
    );
    let retry: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((290..=300).contains(&retry), "the window's end: {retry} s");
    // The header is ignored from a peer that is not a trusted proxy.
    let (status, _) = attempt(&app, "user9", "password9", Some("203.0.113.7")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn failed_logins_are_throttled_per_username_across_addresses() {
    let app = TestApp::with_config(3, |c| {
        c.auth.failures_per_address = 100;
        c.auth.failures_per_username = 2;
        c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
    })
    .await;
    for address in ["203.0.113.1", "203.0.113.2"] {
        let (status, _) = attempt(&app, "user5", "wrong", Some(address)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = attempt(&app, "user5", "password5", Some("203.0.113.3")).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the username is throttled"
    );
    let (status, _) = attempt(&app, "user6", "password6", Some("203.0.113.3")).await;
    assert_eq!(status, StatusCode::OK, "other accounts are not");
}

#[tokio::test]
async fn tokens_are_capped_per_user_and_expired_ones_deleted() {
    let app = TestApp::with_config(3, |c| c.auth.max_tokens_per_user = 3).await;
    app.sql(
        "INSERT INTO auth_tokens (user_id, token_hash, created_at, expires_at) \
         VALUES (2, 'expired', '2000-01-01T00:00:00Z', '2000-01-02T00:00:00Z')",
    )
    .await;
    let mut tokens = Vec::new();
    for _ in 0..5 {
        tokens.push(app.login_as("user2").await);
    }
    for (n, token) in tokens.iter().enumerate() {
        let status = app
            .authed(Method::GET, "/api/dashboard/", token)
            .send()
            .await
            .unwrap()
            .status();
        let expected = if n < 2 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "token {n} of 5, 3 kept");
    }
    let rows = app.test_db.db.clone();
    let left = rows_of(&rows, "SELECT COUNT(*) FROM auth_tokens WHERE user_id = 2").await;
    assert_eq!(left, 3, "the expired row and the 2 oldest are gone");
}

async fn rows_of(db: &blog_repositories::DbPool, sql: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn the_dataset_users_are_not_admins_the_admin_is_separate() {
    let app = TestApp::with_posts(3).await;
    let testuser = app.login("testuser", "testpass123").await;
    let status = app
        .authed(Method::GET, "/api/monitoring/", &testuser)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "testuser's password is published"
    );
    let admin = app.login(ADMIN_USERNAME, ADMIN_PASSWORD).await;
    let status = app
        .authed(Method::GET, "/api/monitoring/", &admin)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);
}

/// A sign-in form post; its status, `Location` and `Set-Cookie`.
async fn sign_in(app: &TestApp, username: &str, password: &str) -> (StatusCode, String, String) {
    let response = app
        .client
        .post(app.url("/monitoring/login/"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    (response.status(), header("location"), header("set-cookie"))
}

#[tokio::test]
async fn the_monitoring_cookie_opens_monitoring_and_nothing_else() {
    let app = TestApp::with_posts(3).await;
    let form = app.get("/monitoring/login/").await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains("name=\"password\""));
    let (status, location, cookie) = sign_in(&app, "user2", "password2").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/monitoring/login/?failed")
    );
    assert!(cookie.is_empty(), "no cookie for a non-admin");

    let (status, location, cookie) = sign_in(&app, ADMIN_USERNAME, ADMIN_PASSWORD).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/monitoring/")
    );
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP without a trusted proxy"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let with_cookie = |method: Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .header("cookie", pair.clone())
    };
    assert_eq!(
        with_cookie(Method::GET, "/monitoring/")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        with_cookie(Method::GET, "/api/monitoring/")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let write = with_cookie(Method::POST, "/api/posts/1/like/")
        .send()
        .await
        .unwrap();
    assert_eq!(
        write.status(),
        StatusCode::UNAUTHORIZED,
        "the cookie never authorizes a write"
    );

    let out = with_cookie(Method::POST, "/monitoring/logout/")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let cleared = out.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let after = with_cookie(Method::GET, "/monitoring/")
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "the token was revoked"
    );
}

#[tokio::test]
async fn the_cookie_is_secure_behind_an_https_proxy() {
    let app = TestApp::with_config(3, |c| {
        c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
    })
    .await;
    let response = app
        .client
        .post(app.url("/monitoring/login/"))
        .header("x-forwarded-proto", "https")
        .form(&[("username", ADMIN_USERNAME), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn only_a_posts_author_changes_it_or_approves_its_comments() {
    let app = TestApp::with_posts(3).await;
    let author = app.login_as("user2").await;
    let created = app
        .authed(Method::POST, "/api/posts/", &author)
        .json(&json!({"title": "Mine", "content": "words", "category_id": 1}))
        .send()
        .await
        .unwrap();
    let post: serde_json::Value = created.json().await.unwrap();
    let id = post["id"].as_i64().unwrap();
    let reader = app.login_as("user3").await;
    let comment = app
        .authed(Method::POST, &format!("/api/posts/{id}/comments/"), &reader)
        .json(&json!({"content": "hello"}))
        .send()
        .await
        .unwrap();
    let comment_id = comment.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let other = app.login_as("user4").await;
    let admin = app.login_admin().await;
    let body = json!({"title": "Theirs", "content": "words", "category_id": 1});
    let routes = [
        (Method::PUT, format!("/api/posts/{id}/")),
        (Method::DELETE, format!("/api/posts/{id}/")),
        (Method::POST, format!("/api/comments/{comment_id}/approve/")),
    ];
    for (method, path) in &routes {
        for (who, token) in [
            ("another user", Some(&other)),
            ("the admin", Some(&admin)),
            ("nobody", None),
        ] {
            let mut request = app
                .client
                .request(method.clone(), app.url(path))
                .json(&body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let status = request.send().await.unwrap().status();
            let expected = if token.is_some() {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNAUTHORIZED
            };
            assert_eq!(status, expected, "{method} {path} as {who}");
        }
    }
    for (method, path) in [
        (Method::POST, "/api/posts/".to_owned()),
        (Method::POST, format!("/api/posts/{id}/like/")),
        (Method::DELETE, format!("/api/posts/{id}/like/")),
        (Method::POST, format!("/api/posts/{id}/comments/")),
        (Method::POST, "/auth/logout/".to_owned()),
    ] {
        let status = app
            .client
            .request(method.clone(), app.url(&path))
            .json(&body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} as nobody"
        );
    }
    let (_, still) = app.json(&format!("/api/posts/{id}/")).await;
    assert_eq!(still["title"], "Mine", "nothing changed");
}

#[tokio::test]
async fn metrics_can_live_on_an_internal_address() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let internal: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let app = TestApp::with_config(0, |c| c.monitoring.metrics_bind = Some(internal)).await;
    assert_eq!(
        app.get("/metrics").await.status(),
        StatusCode::NOT_FOUND,
        "not on the main address"
    );
    let metrics = app
        .client
        .get(format!("http://{internal}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        metrics.status(),
        StatusCode::OK,
        "no token on the internal address"
    );
    assert!(metrics.text().await.unwrap().contains("# TYPE"));
}

#[tokio::test]
async fn password_checks_past_the_limit_wait_briefly_then_get_503() {
    let app = TestApp::with_config(0, |c| {
        c.auth.concurrent_password_checks = 1;
        c.auth.password_check_wait = std::time::Duration::from_millis(1);
        c.auth.failures_per_address = 1000;
    })
    .await;
    // Unknown users: each costs a full argon2 check of the decoy hash.
    let attempts: Vec<_> = (0..8)
        .map(|n| {
            let (client, url) = (app.client.clone(), app.url("/auth/login/"));
            tokio::spawn(async move {
                let body = json!({"username": format!("ghost{n}"), "password": "x"});
                let response = client.post(url).json(&body).send().await.unwrap();
                let retry = response.headers().get("retry-after").cloned();
                (response.status(), retry)
            })
        })
        .collect();
    let mut busy = 0;
    for attempt in attempts {
        let (status, retry) = attempt.await.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert_eq!(retry.expect("Retry-After"), "1");
            }
            other => panic!("a login answered {other}"),
        }
    }
    assert!(busy > 0, "one check at a time: the others were turned away");
}
