//! The RealWorld API over HTTP: its statement counts at two sizes, its
//! errors, CORS, and that it shows and changes the same posts as the
//! service's own pages and API.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestApp, query_count};

pub(crate) const API: &str = "/conduit/api";

/// A RealWorld request: `Authorization: Token <token>` when given.
pub(crate) async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, u32, Value) {
    let mut request = app.client.request(method, app.url(&format!("{API}{path}")));
    if let Some(token) = token {
        request = request.header("authorization", format!("Token {token}"));
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let statements = query_count(response.headers());
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: {text}"))
    };
    (status, statements, body)
}

/// A dataset user's token, signed in by address.
pub(crate) async fn sign_in(app: &TestApp, username: &str, password: &str) -> String {
    let body = json!({"user": {"email": format!("{username}@example.com"), "password": password}});
    let (status, _, user) = call(app, Method::POST, "/users/login", None, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    user["user"]["token"].as_str().unwrap().to_owned()
}

/// Statements of a GET uncached, then again (cached).
async fn twice(app: &TestApp, path: &str, token: Option<&str>) -> (u32, u32, Value) {
    let (status, first, body) = call(app, Method::GET, path, token, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    let (_, again, _) = call(app, Method::GET, path, token, None).await;
    (first, again, body)
}

#[tokio::test]
async fn lists_feeds_and_articles_cost_the_same_at_two_sizes() {
    for posts in [30, 300] {
        let app = TestApp::cached(posts).await;
        let token = sign_in(&app, "testuser", "testpass123").await;
        // Shared by every reader: the page, carrying its total.
        for path in [
            "/articles",
            "/articles?tag=tag7",
            "/articles?author=user2&limit=5",
        ] {
            let (first, again, _) = twice(&app, path, None).await;
            assert_eq!((first, again), (1, 0), "{path}, at {posts} posts");
        }
        let (first, again, page) = twice(&app, "/articles?favorited=user3&offset=2", None).await;
        assert_eq!((first, again), (1, 0), "favorited, at {posts} posts");
        assert!(page["articlesCount"].as_u64().unwrap() > 2);
        // A reader: their token (cached after) and their likes and follows
        // (cached per reader): at most 3.
        let (first, again, _) = twice(&app, "/articles?limit=19", Some(&token)).await;
        assert_eq!((first, again), (3, 0), "a reader's list, at {posts} posts");
        let (first, again, feed) = twice(&app, "/articles/feed", Some(&token)).await;
        assert_eq!((first, again), (2, 0), "the feed, at {posts} posts");
        assert!(
            feed["articlesCount"].as_u64().unwrap() > 0,
            "testuser follows three users"
        );
        let slug = page["articles"][0]["slug"].as_str().unwrap().to_owned();
        let path = format!("/articles/{slug}");
        let (first, again, article) = twice(&app, &path, None).await;
        assert_eq!((first, again), (1, 0), "one article, at {posts} posts");
        assert!(article["article"]["body"].is_string());
        let (first, again, _) = twice(&app, &path, Some(&token)).await;
        assert_eq!((first, again), (1, 0), "one article as a reader sees it");
    }
}

#[tokio::test]
async fn articles_written_here_are_the_sites_posts() {
    let app = TestApp::cached(12).await;
    let token = sign_in(&app, "user5", "password5").await;
    app.until_cached("/blog/", std::time::Duration::from_secs(5))
        .await;
    let new = json!({"article": {"title": "Hello, Conduit!", "description": "A summary",
        "body": "Written through the RealWorld API", "tagList": ["realworld", "tag1"]}});
    let (status, _, created) = call(&app, Method::POST, "/articles", Some(&token), Some(new)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let article = &created["article"];
    let slug = article["slug"].as_str().unwrap();
    assert!(slug.starts_with("hello-conduit-"), "{slug}");
    assert_eq!(article["tagList"], json!(["realworld", "tag1"]));
    assert!(article["createdAt"].as_str().unwrap().ends_with('Z'));
    let id: i32 = slug.rsplit('-').next().unwrap().parse().unwrap();
    let (_, _, list) = app.fetch("/blog/").await;
    assert!(
        list.contains("Hello, Conduit!"),
        "the cached list shows it at once"
    );
    let (_, post) = app.json(&format!("/api/posts/{id}/")).await;
    assert_eq!(post["content"], "Written through the RealWorld API");
    // Its author's comment is public at once; a favorite is a like.
    let comment = json!({"comment": {"body": "My own note"}});
    let path = format!("/articles/{slug}/comments");
    let (status, _, made) = call(&app, Method::POST, &path, Some(&token), Some(comment)).await;
    assert_eq!(status, StatusCode::CREATED);
    let made = &made["comment"];
    assert_eq!(
        (
            &made["body"],
            &made["author"]["username"],
            &made["author"]["following"]
        ),
        (&json!("My own note"), &json!("user5"), &json!(false)),
        "the new comment as its writer sees it"
    );
    assert!(made["id"].as_i64().is_some_and(|id| id > 0));
    let (_, _, page) = app.fetch(&format!("/blog/{id}/")).await;
    assert!(page.contains("My own note"));
    let other = sign_in(&app, "user6", "password6").await;
    let path = format!("/articles/{slug}/favorite");
    let (_, _, liked) = call(&app, Method::POST, &path, Some(&other), None).await;
    assert_eq!(
        (
            liked["article"]["favorited"].as_bool(),
            liked["article"]["favoritesCount"].as_i64()
        ),
        (Some(true), Some(1))
    );
    let (_, post) = app.json(&format!("/api/posts/{id}/")).await;
    assert_eq!(post["like_count"], 1);
}

#[tokio::test]
async fn errors_have_the_realworld_shape() {
    let app = TestApp::with_posts(3).await;
    let response = app
        .client
        .post(app.url("/conduit/api/articles"))
        .json(&json!({"article": {"title": "t", "description": "d", "body": "b"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Token");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"errors": {"token": ["is missing"]}}));
    let (status, _, body) = call(&app, Method::GET, "/articles/no-such-9999", None, None).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"errors": {"article": ["not found"]}})
        )
    );
    let taken = json!({"user": {"username": "testuser", "email": "new@example.com", "password": "long enough"}});
    let (status, _, body) = call(&app, Method::POST, "/users", None, Some(taken)).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::CONFLICT,
            json!({"errors": {"username": ["has already been taken"]}})
        )
    );
    let shouted = json!({"user": {"username": "fresh", "email": "TESTUSER@EXAMPLE.COM", "password": "long enough"}});
    let (status, _, body) = call(&app, Method::POST, "/users", None, Some(shouted)).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::CONFLICT,
            json!({"errors": {"email": ["has already been taken"]}})
        )
    );
    let blank = json!({"user": {"username": "", "email": "", "password": ""}});
    let (status, _, body) = call(&app, Method::POST, "/users", None, Some(blank)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["username", "email", "password"] {
        assert_eq!(body["errors"][field], json!(["can't be blank"]), "{body}");
    }
    let wrong = json!({"user": {"email": "testuser@example.com", "password": "nope nope"}});
    let (status, _, body) = call(&app, Method::POST, "/users/login", None, Some(wrong)).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"errors": {"credentials": ["invalid"]}})
        )
    );
    let (status, _, body) = call(&app, Method::GET, "/nowhere", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["errors"]["body"][0].is_string(), "{body}");
}

#[tokio::test]
async fn a_browser_on_another_origin_may_call_it() {
    let app = TestApp::with_posts(3).await;
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/conduit/api/articles"))
        .header("origin", "http://localhost:4100")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let allowed = preflight.headers()["access-control-allow-origin"]
        .to_str()
        .unwrap();
    assert!(
        allowed == "*" || allowed == "http://localhost:4100",
        "{allowed}"
    );
    let response = app
        .client
        .get(app.url("/conduit/api/tags"))
        .header("origin", "http://localhost:4100")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn a_new_username_shows_on_every_page_at_once() {
    let app = TestApp::cached(6).await;
    let token = sign_in(&app, "user2", "password2").await;
    let (_, _, mine) = call(&app, Method::GET, "/articles?author=user2", None, None).await;
    let Some(slug) = mine["articles"][0]["slug"].as_str() else {
        return; // user2 wrote none of these posts
    };
    let id: i32 = slug.rsplit('-').next().unwrap().parse().unwrap();
    let page = format!("/blog/{id}/");
    app.until_cached(&page, std::time::Duration::from_secs(5))
        .await;
    let rename = json!({"user": {"username": "renamed2", "bio": "I write here"}});
    let (status, _, user) = call(&app, Method::PUT, "/user", Some(&token), Some(rename)).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    let (_, _, html) = app.fetch(&page).await;
    assert!(
        html.contains("renamed2"),
        "the post's page shows the new name"
    );
    let (_, _, article) = call(&app, Method::GET, &format!("/articles/{slug}"), None, None).await;
    assert_eq!(article["article"]["author"]["bio"], "I write here");
}
