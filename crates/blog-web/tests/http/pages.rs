//! The pages and JSON twins over real HTTP, against a real database per test
//! (SQLite, or PostgreSQL with `TEST_DATABASE_URL`), with the cache off so that
//! every request shows its own statements in `X-Query-Count`.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{TestApp, card_ids};

#[tokio::test]
async fn home_redirects_to_the_post_list() {
    let app = TestApp::empty().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/blog/");
}

#[tokio::test]
async fn list_page_shows_each_post_with_its_related_data() {
    let app = TestApp::with_posts(45).await;
    let (status, statements, html) = app.fetch("/blog/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(statements, 2);
    assert_eq!(card_ids(&html), (26..=45).rev().collect::<Vec<_>>());
    let api = app.json("/api/posts/").await.1;
    let first = &api["results"][0];
    for needle in [
        first["title"].as_str().unwrap().to_owned(),
        format!(
            "by <span class=\"author\">{}</span>",
            first["author"].as_str().unwrap()
        ),
        format!(">{}</a>", first["category"].as_str().unwrap()),
        format!("#{}</a>", first["tags"][0].as_str().unwrap()),
        format!("{} min read", first["read_time"]),
        format!("{} like", first["like_count"]),
        format!("{} comment", first["comment_count"]),
    ] {
        assert!(html.contains(&needle), "the page shows {needle:?}");
    }
    for comment in first["comments"].as_array().unwrap() {
        assert!(html.contains(comment["content"].as_str().unwrap()));
    }
    assert!(html.contains("Page 1 of 3"));
    assert!(html.contains("href=\"/blog/?page=2\""));
    assert!(html.contains("45 posts"));
}

/// The pinned statement counts, the same at 30 and at 300 posts.
#[tokio::test]
async fn statement_counts_are_pinned_and_constant() {
    for posts in [30, 300] {
        let app = TestApp::with_posts(posts).await;
        for (path, expected) in [
            ("/blog/", 2),
            ("/blog/?page=2", 2),
            ("/blog/?category=2", 2),
            ("/blog/?tag=tag3", 3),
            ("/api/posts/", 2),
            ("/blog/10/", 1),
            ("/api/posts/10/", 1),
            ("/search/?q=django", 1),
            ("/search/?q=django+performance&page=2", 1),
            ("/health/", 1),
        ] {
            let (status, statements, _) = app.fetch(path).await;
            assert_eq!(status, StatusCode::OK, "{path} at {posts} posts");
            assert_eq!(
                statements, expected,
                "statements of {path} at {posts} posts"
            );
        }
    }
}

#[tokio::test]
async fn concurrent_requests_count_only_their_own_statements() {
    let app = TestApp::with_posts(30).await;
    let requests = (0..24).map(|i| {
        let path = if i % 2 == 0 { "/blog/" } else { "/blog/3/" };
        let app = &app;
        async move { (path, app.fetch(path).await.1) }
    });
    for (path, statements) in futures::future::join_all(requests).await {
        assert_eq!(statements, if path == "/blog/" { 2 } else { 1 }, "{path}");
    }
}

#[tokio::test]
async fn debug_headers_report_statements_and_times() {
    let app = TestApp::with_posts(30).await;
    let response = app.get("/blog/").await;
    let headers = response.headers();
    assert_eq!(headers["x-query-count"], "2");
    let query_ms: f64 = headers["x-query-time"].to_str().unwrap().parse().unwrap();
    let response_ms: f64 = headers["x-response-time"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(query_ms > 0.0 && response_ms >= query_ms);
}

#[tokio::test]
async fn detail_page_shows_the_post_and_every_approved_comment() {
    let app = TestApp::with_posts(30).await;
    app.sql(
        "INSERT INTO comments (post_id, user_id, content, is_approved, created_at) \
             VALUES (7, 2, 'an approved remark', TRUE, '2026-01-01T00:00:00+00:00'), \
                    (7, 3, 'a remark awaiting approval', FALSE, '2026-01-02T00:00:00+00:00')",
    )
    .await;
    // Written behind the service's back: its counter too.
    app.sql("UPDATE posts SET comment_count = comment_count + 1 WHERE id = 7")
        .await;
    let (status, statements, html) = app.fetch("/blog/7/").await;
    assert_eq!((status, statements), (StatusCode::OK, 1));
    let (_, post) = app.json("/api/posts/7/").await;
    assert!(html.contains(post["title"].as_str().unwrap()));
    assert!(html.contains(&post["content"].as_str().unwrap()[..200]));
    assert!(html.contains("an approved remark"));
    assert!(!html.contains("a remark awaiting approval"));
    let comments = post["comments"].as_array().unwrap();
    assert_eq!(
        comments.len() as i64,
        post["comment_count"].as_i64().unwrap()
    );
    assert!(
        comments
            .iter()
            .any(|c| c["content"] == "an approved remark")
    );
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let app = TestApp::with_posts(60).await;
    let (status, statements, html) = app.fetch("/blog/?category=2").await;
    assert_eq!((status, statements), (StatusCode::OK, 2));
    assert!(html.contains("<h1>Rust posts</h1>"));
    let (_, api) = app.json("/api/posts/?category=2").await;
    for post in api["results"].as_array().unwrap() {
        assert_eq!(post["category"], "Rust");
    }
    let (status, _, html) = app.fetch("/blog/?tag=tag9").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Posts tagged #tag9"));
    let (_, api) = app.json("/api/posts/?tag=tag9").await;
    let results = api["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for post in results {
        assert!(post["tags"].as_array().unwrap().iter().any(|t| t == "tag9"));
    }
    // An unknown tag is simply an empty list; an unknown category is a bad request.
    let (status, _, html) = app.fetch("/blog/?tag=nope").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No posts yet."));
    let (status, _, html) = app.fetch("/blog/?category=99").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("unknown category 99"));
    let (status, _, _) = app.fetch("/blog/?category=rust").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn pagination_links_and_bounds() {
    let app = TestApp::with_posts(45).await;
    let (_, _, page2) = app.fetch("/blog/?page=2&tag=").await;
    assert!(page2.contains("Page 2 of 3"));
    assert!(page2.contains("rel=\"prev\" href=\"/blog/\""));
    assert!(page2.contains("rel=\"next\" href=\"/blog/?page=3\""));
    assert_eq!(card_ids(&page2), (6..=25).rev().collect::<Vec<_>>());
    let (status, _, page3) = app.fetch("/blog/?page=3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(card_ids(&page3), (1..=5).rev().collect::<Vec<_>>());
    assert!(!page3.contains("rel=\"next\""));
    // Filters survive in the links.
    app.sql("UPDATE posts SET category_id = 1").await;
    blog_services::dataset::repair_counts(&app.test_db.db)
        .await
        .unwrap();
    let (_, _, filtered) = app.fetch("/blog/?category=1&page=2").await;
    assert!(filtered.contains("rel=\"prev\" href=\"/blog/?category=1\""));
    assert!(filtered.contains("rel=\"next\" href=\"/blog/?page=3&#38;category=1\""));
    let (_, api) = app.json("/api/posts/?page=3").await;
    assert_eq!(
        (
            api["page"].as_i64(),
            api["pages"].as_i64(),
            api["count"].as_i64()
        ),
        (Some(3), Some(3), Some(45))
    );
    assert_eq!(api["results"].as_array().unwrap().len(), 5);

    for (path, status) in [
        ("/blog/?page=4", StatusCode::NOT_FOUND),
        ("/blog/?page=0", StatusCode::BAD_REQUEST),
        ("/blog/?page=-1", StatusCode::BAD_REQUEST),
        ("/blog/?page=two", StatusCode::BAD_REQUEST),
        ("/blog/?page=1.5", StatusCode::BAD_REQUEST),
        ("/blog/?page=1000001", StatusCode::NOT_FOUND),
        ("/blog/?page=99999999999999999999999", StatusCode::NOT_FOUND),
        ("/api/posts/?page=461168601842738792", StatusCode::NOT_FOUND),
        ("/api/posts/?page=4", StatusCode::NOT_FOUND),
        ("/api/posts/?page=0", StatusCode::BAD_REQUEST),
        ("/api/posts/?page=x", StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(app.get(path).await.status(), status, "{path}");
    }
}

#[tokio::test]
async fn an_empty_site_has_one_empty_page() {
    let app = TestApp::empty().await;
    let (status, _, html) = app.fetch("/blog/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No posts yet."));
    let (status, api) = app.json("/api/posts/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api["count"], 0);
    assert_eq!(api["pages"], 1);
    assert_eq!(
        app.get("/blog/?page=2").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn search_finds_every_word_newest_first_twenty_a_page() {
    let app = TestApp::with_posts(60).await;
    let (status, statements, html) = app.fetch("/search/?q=django").await;
    assert_eq!((status, statements), (StatusCode::OK, 1));
    let ids = card_ids(&html);
    assert_eq!(ids.len(), 20);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    assert!(html.contains("rel=\"next\" href=\"/search/?page=2&#38;q=django\""));
    assert!(html.contains("value=\"django\""));
    let (_, _, page2) = app.fetch("/search/?q=django&page=2").await;
    let ids2 = card_ids(&page2);
    assert!(ids2.first() < ids.last());
    // A title-only phrase: "Post 42:" is in one title.
    let (_, _, html) = app.fetch("/search/?q=Post+42").await;
    assert_eq!(card_ids(&html).first(), Some(&42));
    let (status, _, html) = app.fetch("/search/?q=zzzqqq").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No post matches"));
    // No query: the form, and no statement at all.
    let (status, statements, html) = app.fetch("/search/").await;
    assert_eq!((status, statements), (StatusCode::OK, 0));
    assert!(html.contains("Type words to find"));
    // Bad input.
    let long = "a".repeat(201);
    assert_eq!(
        app.get(&format!("/search/?q={long}")).await.status(),
        StatusCode::BAD_REQUEST
    );
    let ok = "a".repeat(200);
    assert_eq!(
        app.get(&format!("/search/?q={ok}")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/search/?q=django&page=0").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/search/?q=django&page=x").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/search/?q=django&page=500").await.status(),
        StatusCode::NOT_FOUND
    );
    for huge in ["1000001", "461168601842738792", "99999999999999999999999"] {
        let path = format!("/search/?q=django&page={huge}");
        assert_eq!(
            app.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn json_twins_carry_the_fields_of_routes_md() {
    let app = TestApp::with_posts(25).await;
    let (status, list) = app.json("/api/posts/?page=1").await;
    assert_eq!(status, StatusCode::OK);
    for key in ["page", "pages", "count", "results"] {
        assert!(list.get(key).is_some(), "{key}");
    }
    let post = &list["results"][0];
    for key in [
        "id",
        "title",
        "author",
        "category",
        "tags",
        "comment_count",
        "like_count",
        "read_time",
        "created_at",
        "comments",
    ] {
        assert!(post.get(key).is_some(), "results[].{key}");
    }
    for comment in post["comments"].as_array().unwrap() {
        for key in ["id", "author", "content", "created_at"] {
            assert!(comment.get(key).is_some(), "comments[].{key}");
        }
    }
    let id = post["id"].as_i64().unwrap();
    let (status, detail) = app.json(&format!("/api/posts/{id}/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["id"], id);
    assert_eq!(detail["title"], post["title"]);
    assert!(detail["content"].as_str().unwrap().len() > 100);

    let (status, body) = app.json("/api/posts/999999/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "post 999999 does not exist");
    let (status, body) = app.json("/api/posts/?page=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("page"));
    let (status, body) = app.json("/api/nothing-here/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn missing_posts_and_pages_are_404_pages() {
    let app = TestApp::with_posts(5).await;
    for path in [
        "/blog/999/",
        "/blog/abc/",
        "/blog/-3/",
        "/blog/0/",
        "/no/such/page/",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(response.text().await.unwrap().contains("404 · Not Found"));
    }
}

#[tokio::test]
async fn paths_without_their_slash_redirect_permanently() {
    let app = TestApp::with_posts(5).await;
    for (path, location) in [
        ("/blog", "/blog/"),
        ("/blog/3", "/blog/3/"),
        ("/search?q=django", "/search/?q=django"),
        ("/api/posts?page=1", "/api/posts/?page=1"),
        ("/health", "/health/"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT, "{path}");
        assert_eq!(response.headers()["location"], location);
    }
}

#[tokio::test]
async fn wrong_methods_are_405() {
    let app = TestApp::empty().await;
    let response = app
        .client
        .post(format!("{}/blog/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.text().await.unwrap().contains("405"));
    let response = app
        .client
        .delete(format!("{}/api/posts/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = TestApp::with_posts(3).await;
    for path in ["/blog/", "/health/", "/api/posts/"] {
        let response = app
            .client
            .head(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(response.text().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn user_text_is_escaped() {
    let app = TestApp::with_posts(3).await;
    app.sql("UPDATE posts SET title = '<script>alert(1)</script>' WHERE id = 3")
        .await;
    let (_, _, list) = app.fetch("/blog/").await;
    let (_, _, detail) = app.fetch("/blog/3/").await;
    for html in [list, detail] {
        assert!(!html.contains("<script>alert(1)</script>"));
        assert!(html.contains("alert(1)"));
    }
}

#[tokio::test]
async fn the_stylesheet_is_cached_for_a_year() {
    let app = TestApp::empty().await;
    let (_, _, html) = app.fetch("/blog/").await;
    let href = html
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(href.starts_with("/static/style.css?v="));
    let response = app.get(&href).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(response.text().await.unwrap().contains("@media"));
    assert_eq!(
        app.get("/static/nope.js").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn health_is_503_when_the_database_is_gone() {
    let app = TestApp::with_posts(3).await;
    let (status, body) = app.json("/health/").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    app.app_db.clone().close().await.unwrap();
    let (status, body) = app.json("/health/").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "database unavailable");
    let response = app.get("/blog/").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn the_openapi_document_lists_the_json_routes() {
    let app = TestApp::empty().await;
    let (status, doc) = app.json("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/api/posts/", "/api/posts/{id}/", "/health/"] {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
}

#[tokio::test]
async fn the_api_docs_page_renders_every_operation_of_the_document() {
    let app = TestApp::empty().await;
    let (_, doc) = app.json("/api/openapi.json").await;
    let response = app.get("/api/docs/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let heading = format!("<code>{} {}</code>", method.to_uppercase(), path);
            assert!(page.contains(&heading), "the page shows {heading}");
            operations += 1;
        }
    }
    assert!(operations >= 16, "{operations} operations");
    assert!(
        !page.contains("<script"),
        "server-rendered: no script, no CDN"
    );
    assert!(page.contains("Needs a Bearer token."));
}

#[tokio::test]
async fn a_stopped_service_refuses_new_connections() {
    let app = TestApp::with_posts(3).await;
    assert_eq!(app.get("/blog/").await.status(), StatusCode::OK);
    app.shutdown.stop(true).await;
    let refused = app.client.get(app.url("/blog/")).send().await;
    assert!(refused.is_err(), "nothing listens any more: {refused:?}");
}
