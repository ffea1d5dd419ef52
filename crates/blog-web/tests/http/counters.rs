//! The counter caches under concurrent writes: likes and unlikes, comments
//! and (double) approvals, posts created, moved, retagged and deleted at
//! once, each compared with `count(*)` over the rows afterwards; and
//! `repair-counts`, which finds nothing to repair then, and repairs counts
//! broken behind the service's back.

use blog_repositories::counters::Repaired;
use blog_services::dataset;
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

/// Every kind of counter against the rows it counts: the rows whose counter
/// is wrong, by kind (none when all are right).
async fn wrong_counters(app: &TestApp) -> Vec<(&'static str, i64)> {
    let checks = [
        "SELECT COUNT(*) AS n FROM posts WHERE like_count <> \
           (SELECT COUNT(*) FROM likes WHERE likes.post_id = posts.id)",
        "SELECT COUNT(*) AS n FROM posts WHERE comment_count <> \
           (SELECT COUNT(*) FROM comments WHERE comments.post_id = posts.id AND comments.is_approved)",
        "SELECT COUNT(*) AS n FROM categories WHERE post_count <> \
           (SELECT COUNT(*) FROM posts WHERE posts.category_id = categories.id)",
        "SELECT COUNT(*) AS n FROM tags WHERE post_count <> \
           (SELECT COUNT(*) FROM post_tags WHERE post_tags.tag_id = tags.id)",
        "SELECT COUNT(*) AS n FROM (SELECT id / 1000 AS bucket, COUNT(*) AS posts \
           FROM posts GROUP BY id / 1000) counted \
         LEFT JOIN post_buckets ON post_buckets.bucket = counted.bucket \
         WHERE post_buckets.post_count IS NULL OR post_buckets.post_count <> counted.posts",
    ];
    let mut wrong = Vec::new();
    for (kind, check) in ["likes", "comments", "categories", "tags", "positions"]
        .into_iter()
        .zip(checks)
    {
        let n = app.sql_count(check).await;
        if n != 0 {
            wrong.push((kind, n));
        }
    }
    wrong
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
    let mut request = app.authed(method.clone(), path, token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        panic!("{method} {path}: {status} {body}");
    }
    if status == StatusCode::NO_CONTENT {
        return Value::Null;
    }
    response.json().await.unwrap()
}

#[tokio::test]
async fn concurrent_likes_comments_and_approvals_keep_the_post_counters_exact() {
    let app = TestApp::with_posts(10).await;
    let (_, post) = app.json("/api/posts/5/").await;
    let author = post["author"].as_str().unwrap().to_owned();
    let owner = app.login_as(&author).await;
    let mut readers = Vec::new();
    for n in 2..=13 {
        readers.push(app.login_as(&format!("user{n}")).await);
    }
    // Every reader likes, unlikes and likes again, and comments twice, all at once.
    let writes = readers.iter().map(|token| async {
        for method in [Method::POST, Method::DELETE, Method::POST, Method::POST] {
            send(&app, method, "/api/posts/5/like/", token, None).await;
        }
        let mut ids = Vec::new();
        for i in 0..2 {
            let body = json!({"content": format!("remark {i}")});
            let made = send(
                &app,
                Method::POST,
                "/api/posts/5/comments/",
                token,
                Some(body),
            )
            .await;
            ids.push(made["id"].as_i64().unwrap());
        }
        ids
    });
    let comments: Vec<i64> = join_all(writes).await.into_iter().flatten().collect();
    // The author approves each comment twice, concurrently.
    let approvals = comments.iter().chain(comments.iter()).map(|id| {
        let path = format!("/api/comments/{id}/approve/");
        let owner = &owner;
        let app = &app;
        async move { send(app, Method::POST, &path, owner, None).await }
    });
    join_all(approvals).await;

    assert_eq!(wrong_counters(&app).await, Vec::new());
    let (_, after) = app.json("/api/posts/5/").await;
    let likes = app
        .sql_count("SELECT COUNT(*) AS n FROM likes WHERE post_id = 5")
        .await;
    assert_eq!(after["like_count"].as_i64(), Some(likes));
    let approved = app
        .sql_count("SELECT COUNT(*) AS n FROM comments WHERE post_id = 5 AND is_approved")
        .await;
    assert_eq!(after["comment_count"].as_i64(), Some(approved));
    assert_eq!(
        approved,
        post["comment_count"].as_i64().unwrap() + comments.len() as i64
    );
    let repaired = dataset::repair_counts(&app.test_db.db).await.unwrap();
    assert_eq!(repaired, Repaired::default(), "nothing to repair");
}

#[tokio::test]
async fn concurrent_post_writes_keep_the_list_totals_exact() {
    let app = TestApp::with_posts(10).await;
    let mut authors = Vec::new();
    for n in 2..=9 {
        authors.push(app.login_as(&format!("user{n}")).await);
    }
    // Overlapping tags in opposite orders, so that two writes lock the same rows.
    let app = &app;
    let creates = authors.iter().enumerate().map(|(i, token)| async move {
        let mut tags = vec!["tag1", "tag2", "tag3", "fresh"];
        if i % 2 == 1 {
            tags.reverse();
        }
        let body = json!({
            "title": format!("Concurrent {i}"),
            "content": "written at the same time as the others",
            "category_id": 1 + (i % 5) as i64,
            "tags": tags,
        });
        let made = send(app, Method::POST, "/api/posts/", token, Some(body)).await;
        (token, made["id"].as_i64().unwrap())
    });
    let made: Vec<(&String, i64)> = join_all(creates).await;
    // Then each is moved and retagged, or deleted, at once.
    let changes = made.iter().enumerate().map(|(i, (token, id))| {
        let path = format!("/api/posts/{id}/");
        async move {
            if i % 3 == 0 {
                send(app, Method::DELETE, &path, token, None).await;
            } else {
                let body = json!({
                    "title": format!("Moved {i}"),
                    "content": "moved to another category with other tags",
                    "category_id": 1 + ((i + 2) % 5) as i64,
                    "tags": ["tag3", "tag4", if i % 2 == 0 { "fresh" } else { "other" }],
                });
                send(app, Method::PUT, &path, token, Some(body)).await;
            }
        }
    });
    join_all(changes).await;

    assert_eq!(wrong_counters(app).await, Vec::new());
    let total = app.sql_count("SELECT COUNT(*) AS n FROM posts").await;
    let (_, _, page) = app.fetch("/blog/").await;
    assert!(page.contains(&format!("{total} posts")), "the list's total");
    let fresh = app
        .sql_count(
            "SELECT COUNT(*) AS n FROM post_tags JOIN tags ON tags.id = post_tags.tag_id \
             WHERE tags.name = 'fresh'",
        )
        .await;
    let (_, _, tagged) = app.fetch("/blog/?tag=fresh").await;
    assert!(tagged.contains(&format!("{fresh} post")), "the tag's total");
    let repaired = dataset::repair_counts(&app.test_db.db).await.unwrap();
    assert_eq!(repaired, Repaired::default(), "nothing to repair");
}

#[tokio::test]
async fn repair_counts_rebuilds_counters_broken_behind_the_services_back() {
    let app = TestApp::with_posts(30).await;
    app.sql("UPDATE posts SET like_count = 999, comment_count = -1 WHERE id IN (3, 4)")
        .await;
    app.sql("UPDATE categories SET post_count = 0").await;
    app.sql("UPDATE tags SET post_count = post_count + 7 WHERE name = 'tag1'")
        .await;
    app.sql("DELETE FROM post_buckets").await;
    assert_eq!(wrong_counters(&app).await.len(), 5);

    let repaired = dataset::repair_counts(&app.test_db.db).await.unwrap();
    let categories_with_posts = app
        .sql_count("SELECT COUNT(DISTINCT category_id) AS n FROM posts")
        .await;
    assert_eq!(
        repaired,
        Repaired {
            posts: 2,
            lists: 0,
            categories: categories_with_posts as u64,
            tags: 1,
            positions: 1,
        }
    );
    assert_eq!(wrong_counters(&app).await, Vec::new());
    let (_, _, page) = app.fetch("/blog/").await;
    assert!(page.contains("30 posts"));
    let (_, _, second) = app.fetch("/blog/?page=2").await;
    assert!(
        second.contains("href=\"/blog/10/\"") && !second.contains("href=\"/blog/11/\""),
        "the positions find the second page again"
    );
}
