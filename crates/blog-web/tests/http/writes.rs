//! The write path over HTTP, with the cache on: login and tokens, creating,
//! editing and deleting posts, likes, comments and their approval, every
//! validation rule, and fresh data on every page after every write.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestApp, card_ids, someone_else};

/// Warms the caches of the pages a write should change.
async fn warm(app: &TestApp, paths: &[&str]) {
    for path in paths {
        app.get(path).await;
        let (status, statements, _) = app.fetch(path).await;
        assert!(
            status.is_success() || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
        assert_eq!(statements, 0, "{path} is cached before the write");
    }
}

fn post_body(title: &str) -> Value {
    json!({
        "title": title,
        "content": "fresh words about async rust performance",
        "category_id": 2,
        "tags": ["tag3", "brand-new-tag"]
    })
}

#[tokio::test]
async fn login_takes_json_or_a_form_and_answers_401_alike() {
    let app = TestApp::cached(3).await;
    let token = app.login("testuser", "testpass123").await;
    assert_eq!(token.len(), 64);
    let form = app
        .client
        .post(app.url("/auth/login/"))
        .form(&[("username", "user2"), ("password", "password2")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let form_token: Value = form.json().await.unwrap();
    assert_ne!(form_token["token"].as_str().unwrap(), token);

    let mut bodies = Vec::new();
    for (username, password) in [("testuser", "wrong"), ("nobody", "testpass123")] {
        let response = app
            .client
            .post(app.url("/auth/login/"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        bodies.push(response.text().await.unwrap());
    }
    assert_eq!(
        bodies[0], bodies[1],
        "an unknown user and a wrong password look the same"
    );

    let missing = app
        .client
        .post(app.url("/auth/login/"))
        .json(&json!({"username": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let text = app
        .client
        .post(app.url("/auth/login/"))
        .header("content-type", "text/plain")
        .body("username=testuser")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = app
        .client
        .post(app.url("/auth/login/"))
        .header("content-type", "application/json")
        .body(vec![b' '; 1024 * 1024 + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn tokens_are_required_checked_and_revocable() {
    let app = TestApp::cached(3).await;
    let anonymous = app
        .client
        .post(app.url("/api/posts/"))
        .json(&post_body("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let body: Value = anonymous.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("Bearer"));
    for header in [
        "Bearer not-a-token",
        "Token abc",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
    ] {
        let response = app
            .client
            .post(app.url("/api/posts/"))
            .header("authorization", header)
            .json(&post_body("x"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header}");
    }
    // The token is checked before the body: a bad token with a bad body is 401.
    let both_bad = app
        .client
        .post(app.url("/api/posts/"))
        .header("authorization", "Bearer not-a-token")
        .header("content-type", "text/plain")
        .body("nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(both_bad.status(), StatusCode::UNAUTHORIZED);
    let token = app.login("testuser", "testpass123").await;
    let created = app
        .authed(Method::POST, "/api/posts/", &token)
        .json(&post_body("ok"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let logout = app
        .authed(Method::POST, "/auth/logout/", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let after = app
        .authed(Method::POST, "/api/posts/", &token)
        .json(&post_body("no"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "a revoked token is refused"
    );
    let again = app
        .authed(Method::POST, "/auth/logout/", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    // An expired token is refused too.
    let fresh = app.login("testuser", "testpass123").await;
    app.sql("UPDATE auth_tokens SET expires_at = '2000-01-01T00:00:00+00:00'")
        .await;
    let expired = app
        .authed(Method::POST, "/api/posts/", &fresh)
        .json(&post_body("no"))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_created_post_shows_everywhere_at_once() {
    let app = TestApp::cached(30).await;
    let token = app.login("user5", "password5").await;
    warm(
        &app,
        &[
            "/blog/",
            "/api/posts/",
            "/blog/?category=2",
            "/blog/?tag=brand-new-tag",
            "/search/?q=zebrafish",
            "/blog/31/",
        ],
    )
    .await;

    let response = app
        .authed(Method::POST, "/api/posts/", &token)
        .json(&json!({
            "title": "  Zebrafish & async  ",
            "content": "zebrafish swim fast in async rust code",
            "category_id": 2,
            "tags": ["tag3", "brand-new-tag", "tag3"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["location"], "/api/posts/31/");
    let post: Value = response.json().await.unwrap();
    assert_eq!(post["id"], 31);
    assert_eq!(post["title"], "Zebrafish & async");
    assert_eq!(post["author"], "user5");
    assert_eq!(post["category"], "Rust");
    assert_eq!(post["tags"], json!(["brand-new-tag", "tag3"]));
    assert_eq!(post["word_count"], 7);
    assert_eq!(post["read_time"], 1);
    assert_eq!(
        (post["comment_count"].as_i64(), post["like_count"].as_i64()),
        (Some(0), Some(0))
    );

    let (_, _, list) = app.fetch("/blog/").await;
    assert_eq!(card_ids(&list).first(), Some(&31));
    assert!(list.contains("Zebrafish &amp; async") || list.contains("Zebrafish &#38; async"));
    let (_, api) = app.json("/api/posts/").await;
    assert_eq!(
        (api["results"][0]["id"].as_i64(), api["count"].as_i64()),
        (Some(31), Some(31))
    );
    let (_, _, rust) = app.fetch("/blog/?category=2").await;
    assert_eq!(card_ids(&rust).first(), Some(&31));
    let (_, _, tagged) = app.fetch("/blog/?tag=brand-new-tag").await;
    assert_eq!(card_ids(&tagged), vec![31]);
    let (_, _, found) = app.fetch("/search/?q=zebrafish").await;
    assert_eq!(card_ids(&found), vec![31]);
    let (status, detail) = app.json("/api/posts/31/").await;
    assert_eq!(
        (status, detail["content"].as_str()),
        (
            StatusCode::OK,
            Some("zebrafish swim fast in async rust code")
        )
    );
    let (status, _, _) = app.fetch("/blog/31/").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a cached 404 does not outlive the create"
    );
}

#[tokio::test]
async fn invalid_posts_get_422_with_every_field_named() {
    let app = TestApp::cached(3).await;
    let token = app.login("testuser", "testpass123").await;
    let post = |body: Value| app.authed(Method::POST, "/api/posts/", &token).json(&body);

    let response =
        post(json!({"title": "", "content": "  ", "category_id": 99, "tags": ["ok", ""]}))
            .send()
            .await
            .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    for field in ["title", "content", "category_id", "tags"] {
        assert!(
            body["fields"][field].is_string(),
            "{field} is reported: {body}"
        );
    }
    let cases = [
        (
            json!({"title": "t".repeat(201), "content": "c", "category_id": 1}),
            "title",
        ),
        (
            json!({"title": "ok", "content": "c", "category_id": 1, "tags": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            "tags",
        ),
        (
            json!({"title": "ok", "content": "c", "category_id": 1, "tags": ["x".repeat(51)]}),
            "tags",
        ),
        (json!({"title": "ok", "content": "c"}), "category_id"),
        (
            json!({"title": "ok", "content": "c", "category_id": 4_000_000_000_i64}),
            "category_id",
        ),
        (
            json!({"title": "ok", "content": "w ".repeat(51_300), "category_id": 1}),
            "content",
        ),
        (json!({"content": "c", "category_id": 1}), "title"),
    ];
    for (body, field) in cases {
        let response = post(body).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        let body: Value = response.json().await.unwrap();
        assert!(body["fields"][field].is_string(), "{field}: {body}");
    }
    // At the limits, accepted.
    let ok = post(
        json!({"title": "t".repeat(200), "content": "w".repeat(100 * 1024), "category_id": 5}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);

    assert_unreadable_post_bodies_are_refused(&app, &token).await;
    let (_, api) = app.json("/api/posts/").await;
    assert_eq!(api["count"], 4, "only the valid post was stored");
}

/// A malformed, wrongly typed or oversized post body gets 400, 415 or 413.
async fn assert_unreadable_post_bodies_are_refused(app: &TestApp, token: &str) {
    let malformed = app
        .authed(Method::POST, "/api/posts/", token)
        .header("content-type", "application/json")
        .body("{\"title\":")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let wrong_type = app
        .authed(Method::POST, "/api/posts/", token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = app
        .authed(Method::POST, "/api/posts/", token)
        .json(&json!({"title": "x", "content": "w".repeat(1024 * 1024), "category_id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn only_the_author_edits_or_deletes_and_pages_follow() {
    let app = TestApp::cached(25).await;
    let (_, post) = app.json("/api/posts/20/").await;
    let author = post["author"].as_str().unwrap().to_owned();
    let owner = app.login_as(&author).await;
    let stranger = app.login_as(someone_else(&author)).await;
    let edit = json!({"title": "Edited title", "content": "one two three", "category_id": 4, "tags": ["edited"]});
    assert_bad_edits_are_refused(&app, &owner, &stranger, &edit).await;

    let old_category = post["category_id"].as_i64().unwrap();
    let old_tag = post["tags"][0].as_str().unwrap().to_owned();
    warm(
        &app,
        &[
            "/blog/",
            "/blog/20/",
            "/api/posts/20/",
            "/blog/?category=4",
            &format!("/blog/?category={old_category}"),
            &format!("/blog/?tag={old_tag}"),
        ],
    )
    .await;
    let updated = app
        .authed(Method::PUT, "/api/posts/20/", &owner)
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), StatusCode::OK);
    assert_pages_follow_the_edit(&app, old_category, &old_tag).await;

    // Tags are kept when an edit leaves them out.
    let keep = app
        .authed(Method::PUT, "/api/posts/20/", &owner)
        .json(&json!({"title": "Again", "content": "x", "category_id": 4}))
        .send()
        .await
        .unwrap();
    let kept: Value = keep.json().await.unwrap();
    assert_eq!(kept["tags"], json!(["edited"]));

    assert_only_the_author_deletes_and_pages_follow(&app, &owner, &stranger).await;
}

/// An edit of post 20 by a stranger is 403, of a missing post 404, and an invalid one 422.
async fn assert_bad_edits_are_refused(app: &TestApp, owner: &str, stranger: &str, edit: &Value) {
    let forbidden = app
        .authed(Method::PUT, "/api/posts/20/", stranger)
        .json(edit)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let missing = app
        .authed(Method::PUT, "/api/posts/999/", owner)
        .json(edit)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let invalid = app
        .authed(Method::PUT, "/api/posts/20/", owner)
        .json(&json!({"title": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Post 20's edit shows in its detail, page, the list and its new category, and
/// it is gone from its old category and tag.
async fn assert_pages_follow_the_edit(app: &TestApp, old_category: i64, old_tag: &str) {
    let (_, detail) = app.json("/api/posts/20/").await;
    assert_eq!(detail["title"], "Edited title");
    assert_eq!(
        (detail["word_count"].as_i64(), detail["category"].as_str()),
        (Some(3), Some("DevOps"))
    );
    assert_eq!(detail["tags"], json!(["edited"]));
    let (_, _, page) = app.fetch("/blog/20/").await;
    assert!(page.contains("Edited title"));
    let (_, _, list) = app.fetch("/blog/").await;
    assert!(list.contains("Edited title"));
    let (_, _, devops) = app.fetch("/blog/?category=4").await;
    assert!(card_ids(&devops).contains(&20));
    if old_category != 4 {
        let (_, _, before) = app.fetch(&format!("/blog/?category={old_category}")).await;
        assert!(
            !card_ids(&before).contains(&20),
            "gone from its old category"
        );
    }
    let (_, _, old_tagged) = app.fetch(&format!("/blog/?tag={old_tag}")).await;
    assert!(
        !card_ids(&old_tagged).contains(&20),
        "gone from its old tag"
    );
}

/// A stranger cannot delete post 20; its author can, once, and every page drops it.
async fn assert_only_the_author_deletes_and_pages_follow(
    app: &TestApp,
    owner: &str,
    stranger: &str,
) {
    let forbidden = app
        .authed(Method::DELETE, "/api/posts/20/", stranger)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    warm(app, &["/blog/", "/api/posts/20/", "/blog/?category=4"]).await;
    let deleted = app
        .authed(Method::DELETE, "/api/posts/20/", owner)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/posts/20/").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/blog/20/").await.status(), StatusCode::NOT_FOUND);
    let (_, _, list) = app.fetch("/blog/").await;
    assert!(!card_ids(&list).contains(&20));
    let (_, api) = app.json("/api/posts/").await;
    assert_eq!(api["count"], 24);
    let (_, _, devops) = app.fetch("/blog/?category=4").await;
    assert!(!card_ids(&devops).contains(&20));
    let again = app
        .authed(Method::DELETE, "/api/posts/20/", owner)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn likes_are_idempotent_and_counted_everywhere() {
    let app = TestApp::cached(25).await;
    let token = app.login("testuser", "testpass123").await;
    app.sql("DELETE FROM likes WHERE post_id = 25 AND user_id = 1")
        .await;
    let (_, before) = app.json("/api/posts/25/").await;
    let base = before["like_count"].as_i64().unwrap();
    warm(
        &app,
        &["/blog/", "/api/posts/", "/blog/25/", "/api/posts/25/"],
    )
    .await;

    for _ in 0..2 {
        let response = app
            .authed(Method::POST, "/api/posts/25/like/", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let state: Value = response.json().await.unwrap();
        assert_eq!(
            (state["liked"].as_bool(), state["like_count"].as_i64()),
            (Some(true), Some(base + 1))
        );
    }
    let (_, api) = app.json("/api/posts/").await;
    assert_eq!(api["results"][0]["like_count"].as_i64(), Some(base + 1));
    let (_, detail) = app.json("/api/posts/25/").await;
    assert_eq!(detail["like_count"].as_i64(), Some(base + 1));
    let (_, _, page) = app.fetch("/blog/25/").await;
    assert!(page.contains(&format!("{} like", base + 1)));

    for _ in 0..2 {
        let response = app
            .authed(Method::DELETE, "/api/posts/25/like/", &token)
            .send()
            .await
            .unwrap();
        let state: Value = response.json().await.unwrap();
        assert_eq!(
            (state["liked"].as_bool(), state["like_count"].as_i64()),
            (Some(false), Some(base))
        );
    }
    let (_, detail) = app.json("/api/posts/25/").await;
    assert_eq!(detail["like_count"].as_i64(), Some(base));
    let missing = app
        .authed(Method::POST, "/api/posts/999/like/", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let anonymous = app
        .client
        .post(app.url("/api/posts/25/like/"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn comments_wait_for_the_authors_approval() {
    let app = TestApp::cached(25).await;
    let (_, post) = app.json("/api/posts/24/").await;
    let author = post["author"].as_str().unwrap().to_owned();
    let owner = app.login_as(&author).await;
    let reader = app.login_as(someone_else(&author)).await;
    let count = post["comment_count"].as_i64().unwrap();
    assert_bad_comments_are_refused(&app, &reader).await;

    let created = app
        .authed(Method::POST, "/api/posts/24/comments/", &reader)
        .json(&json!({"content": "a most insightful remark"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let comment: Value = created.json().await.unwrap();
    assert_eq!(comment["is_approved"], false);
    let id = comment["id"].as_i64().unwrap();
    warm(&app, &["/blog/", "/blog/24/", "/api/posts/24/"]).await;
    let (_, _, page) = app.fetch("/blog/24/").await;
    assert!(
        !page.contains("a most insightful remark"),
        "not shown before approval"
    );

    let path = format!("/api/comments/{id}/approve/");
    let forbidden = app
        .authed(Method::POST, &path, &reader)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let unknown = app
        .authed(Method::POST, "/api/comments/999999/approve/", &owner)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    for _ in 0..2 {
        let approved = app
            .authed(Method::POST, &path, &owner)
            .send()
            .await
            .unwrap();
        assert_eq!(approved.status(), StatusCode::OK);
        let body: Value = approved.json().await.unwrap();
        assert_eq!(body["is_approved"], true);
    }
    let (_, detail) = app.json("/api/posts/24/").await;
    assert_eq!(detail["comment_count"].as_i64(), Some(count + 1));
    assert!(
        detail["comments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["content"] == "a most insightful remark")
    );
    let (_, _, page) = app.fetch("/blog/24/").await;
    assert!(page.contains("a most insightful remark"));
    let (_, _, list) = app.fetch("/blog/").await;
    assert!(
        list.contains("a most insightful remark"),
        "the newest approved comment is on the list"
    );
}

/// An empty or overlong comment is 422, and one on a missing post 404.
async fn assert_bad_comments_are_refused(app: &TestApp, reader: &str) {
    let empty = app
        .authed(Method::POST, "/api/posts/24/comments/", reader)
        .json(&json!({"content": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let long = app
        .authed(Method::POST, "/api/posts/24/comments/", reader)
        .json(&json!({"content": "x".repeat(10_001)}))
        .send()
        .await
        .unwrap();
    assert_eq!(long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let missing = app
        .authed(Method::POST, "/api/posts/999/comments/", reader)
        .json(&json!({"content": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
