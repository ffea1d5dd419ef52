//! Behind PgBouncer in transaction mode (Debian's 1.18, no
//! `max_prepared_statements`): a server connection serves another client
//! after every transaction, so prepared statements collide; with
//! `BLOG_DB_PROTOCOL=simple` the service keeps none, and counts the same.

use blog_repositories::{DatabaseConfig, Protocol, SecretUrl, database, user};
use blog_services::cache::CacheBackend;
use blog_testkit::TestDatabase;
use blog_testkit::pgbouncer::PgBouncer;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestApp, query_count};

fn through(bouncer: &PgBouncer, protocol: Protocol) -> DatabaseConfig {
    DatabaseConfig {
        protocol,
        ..TestDatabase::config(bouncer.url())
    }
}

#[tokio::test]
async fn prepared_statements_collide_behind_transaction_pooling_simple_ones_do_not() {
    let test_db = TestDatabase::new().await;
    if !test_db.is_postgres() {
        return;
    }
    // One server connection: every client's statements land on it.
    let bouncer = PgBouncer::start(&test_db.url, 1);

    let extended = through(&bouncer, Protocol::Extended);
    let first = database::connect(&extended).await.expect("first client");
    let second = database::connect(&extended).await.expect("second client");
    user::find_by_username(&first, "nobody")
        .await
        .expect("first statement");
    let collided = user::find_by_username(&second, "nobody").await;
    let error = format!("{collided:?}");
    assert!(
        error.contains("already exists"),
        "the defect this mode exists for: {error}"
    );

    let simple = through(&bouncer, Protocol::Simple);
    let first = database::connect(&simple).await.expect("first client");
    let second = database::connect(&simple).await.expect("second client");
    for round in 0..3 {
        for client in [&first, &second] {
            let found = user::find_by_username(client, "nobody").await;
            assert!(matches!(found, Ok(None)), "round {round}: {found:?}");
        }
    }
    assert!(
        matches!(
            database::migrate(&first).await,
            Err(blog_repositories::RepositoryError::MigrationsNeedDirectConnection)
        ),
        "migrations refuse the pooler"
    );
}

#[tokio::test]
async fn the_site_reads_and_writes_behind_pgbouncer_with_the_same_statement_counts() {
    let mut bouncer = None;
    let app = TestApp::with_config(30, |config| {
        if config.database.is_sqlite() {
            return;
        }
        // Eight client connections over two server connections.
        let started = PgBouncer::start(config.database.url.expose(), 2);
        config.database.url = SecretUrl::new(started.url());
        config.database.protocol = Protocol::Simple;
        config.database.pool.max_connections = 8;
        config.cache.backend = CacheBackend::Off;
        bouncer = Some(started);
    })
    .await;
    if bouncer.is_none() {
        return;
    }
    let token = app.login("testuser", "testpass123").await;
    for round in 0..6 {
        let reads = [
            ("/blog/", 2),
            ("/blog/3/", 1),
            ("/search/?q=django", 1),
            ("/blog/?tag=tag1", 3),
            ("/blog/", 2),
            ("/blog/7/", 1),
        ]
        .map(|(path, expected)| {
            let app = &app;
            async move { (path, expected, app.fetch(path).await) }
        });
        let title = format!("Through the pooler, round {round}");
        let write = app
            .authed(Method::POST, "/api/posts/", &token)
            .json(&json!({"title": title, "content": "pooled words", "category_id": 1, "tags": ["pooled"]}))
            .send();
        let like = app
            .authed(Method::POST, "/api/posts/5/like/", &token)
            .send();
        let (results, written, liked) = tokio::join!(futures::future::join_all(reads), write, like);
        for (path, expected, (status, statements, _)) in results {
            assert_eq!(
                (status, statements),
                (StatusCode::OK, expected),
                "round {round}: {path}"
            );
        }
        let written = written.expect("create");
        assert_eq!(written.status(), StatusCode::CREATED, "round {round}");
        assert_eq!(
            liked.expect("like").status(),
            StatusCode::OK,
            "round {round}"
        );
    }
    let response = app.get("/api/posts/?tag=pooled").await;
    assert_eq!(query_count(response.headers()), 3);
    let listing: serde_json::Value = response.json().await.unwrap();
    assert_eq!(listing["count"], 6, "every acknowledged write is there");
}
