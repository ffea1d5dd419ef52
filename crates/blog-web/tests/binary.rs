//! The `blog` binary as an operator runs it: the embedded default serves the
//! demo site from nothing, and a bad setting stops the start with one line.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::blog_command;

/// A scratch working directory, removed afterwards.
struct WorkDir(std::path::PathBuf);

impl WorkDir {
    fn new(name: &str) -> WorkDir {
        let dir = std::env::temp_dir().join(format!("blog-bin-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        WorkDir(dir)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process that is killed however the test ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The process environment without anything that would select another database.
fn clean_command(dir: &WorkDir) -> Command {
    blog_command(&dir.0)
}

#[tokio::test]
async fn the_embedded_default_serves_the_demo_site() {
    // reqwest is built without a default TLS provider (the service installs ring).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = WorkDir::new("serve");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = dir.0.join("serve.log");
    let _server = Running(
        clean_command(&dir)
            .arg("serve")
            .env("BLOG_BIND", format!("127.0.0.1:{port}"))
            .env("BLOG_WORKERS", "1")
            .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let mut ready = false;
    while started.elapsed() < Duration::from_secs(120) {
        if let Ok(r) = reqwest::get(format!("{base}/health/")).await
            && r.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ready, "the server answered /health/ within 2 minutes");
    let response = reqwest::get(format!("{base}/blog/")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["x-query-count"],
        "2",
        "debug headers are on by default"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("200 posts"), "the demo dataset has 200 posts");
    assert!(dir.0.join("blog.sqlite3").exists());
    // The demo says, once, how to sign in as its administrator.
    let written = std::fs::read_to_string(&log).unwrap();
    let password = written
        .split("sign in at /monitoring/login/ as admin with password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the sign-in line: {written}"));
    let signed_in = reqwest::Client::new()
        .post(format!("{base}/auth/login/"))
        .json(&serde_json::json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200, "the printed password works");
}

#[test]
fn seed_prints_a_random_admin_password_unless_one_is_given() {
    let dir = WorkDir::new("seed-admin");
    let output = clean_command(&dir)
        .args(["seed", "--posts", "3"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let password = stdout
        .split("the administrator is admin, password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the password is printed: {stdout}"));
    assert_eq!(password.len(), 24);
    assert!(password.bytes().all(|b| b.is_ascii_hexdigit()));
    let output = clean_command(&dir)
        .args([
            "seed",
            "--posts",
            "3",
            "--reset",
            "--admin-password",
            "chosen-s3cret",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("chosen-s3cret") && !stdout.contains("password "),
        "{stdout}"
    );
}

#[test]
fn a_bad_setting_stops_the_start_with_one_clear_line() {
    let dir = WorkDir::new("config");
    let output = clean_command(&dir)
        .arg("serve")
        .env("BLOG_DB_MAX_CONNECTIONS", "lots")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim(),
        "blog: invalid configuration: BLOG_DB_MAX_CONNECTIONS=\"lots\": a whole number from 1 to 10000"
    );
    assert!(!dir.0.join("blog.sqlite3").exists(), "nothing was created");
}

#[test]
fn migrate_applies_the_schema_and_exits() {
    let dir = WorkDir::new("migrate");
    let output = clean_command(&dir).arg("migrate").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("migrations applied"));
    assert!(dir.0.join("blog.sqlite3").exists());
}

#[test]
fn analyze_says_it_needs_postgresql_on_sqlite() {
    let dir = WorkDir::new("analyze");
    let output = clean_command(&dir).arg("analyze").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("needs PostgreSQL"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
}

/// `blog analyze` run against one PostgreSQL database from a scratch directory.
struct Analyze<'a> {
    dir: &'a WorkDir,
    url: &'a str,
}

impl Analyze<'_> {
    /// Runs `blog analyze` with `args`: the exit code, stdout and stderr.
    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let output = clean_command(self.dir)
            .env("DATABASE_URL", self.url)
            .arg("analyze")
            .args(args)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

/// `blog analyze` against a real PostgreSQL test database.
#[tokio::test]
async fn analyze_reports_tables_indexes_and_slow_statements() {
    use blog_services::PasswordHasher;
    use blog_services::dataset::{self, DatasetSpec};
    use sea_orm::ConnectionTrait;

    let test_db = blog_testkit::TestDatabase::new().await;
    if !test_db.is_postgres() {
        eprintln!("TEST_DATABASE_URL is not set: blog analyze needs PostgreSQL");
        return;
    }
    dataset::seed(
        &test_db.db,
        &DatasetSpec::new(30),
        &PasswordHasher::fast_insecure(),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    // Sessions publish their table counters when they end: close the seeding
    // pool, and use a fresh one from here on.
    test_db.db.clone().close().await.unwrap();
    let db =
        blog_repositories::database::connect(&blog_testkit::TestDatabase::config(&test_db.url))
            .await
            .unwrap();
    let dir = WorkDir::new("analyze-pg");
    let analyze = Analyze {
        dir: &dir,
        url: &test_db.url,
    };

    // A foreign key without an index, for the overview to find.
    db.execute_unprepared(
        "CREATE TABLE bookmarks (id serial PRIMARY KEY, post_id integer REFERENCES posts(id))",
    )
    .await
    .unwrap();
    assert_overview_finds_tables_and_the_unindexed_key(&analyze);
    assert_posts_table_counters(&analyze).await;
    assert_table_names_are_bound(&analyze);
    assert_slow_queries(&db, &analyze).await;
}

/// The overview lists the blog's tables and only the unindexed bookmarks key.
fn assert_overview_finds_tables_and_the_unindexed_key(analyze: &Analyze<'_>) {
    let (code, stdout, stderr) = analyze.run(&["--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let overview: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let tables: Vec<&str> = overview["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["table"].as_str().unwrap())
        .collect();
    for table in [
        "posts",
        "comments",
        "likes",
        "users",
        "tags",
        "post_tags",
        "categories",
    ] {
        assert!(tables.contains(&table), "{table} in {tables:?}");
    }
    let unindexed = overview["unindexed_foreign_keys"].as_array().unwrap();
    assert_eq!(unindexed.len(), 1, "only the bookmarks key: {unindexed:?}");
    assert_eq!(unindexed[0]["table"], "bookmarks");
    assert_eq!(unindexed[0]["columns"], "post_id");
    assert!(overview["unused_indexes"].is_array());
    let (code, text, _) = analyze.run(&[]);
    assert_eq!(code, Some(0));
    assert!(text.contains("Foreign keys without an index:") && text.contains("bookmarks"));
}

/// `--table posts` reports the seeded inserts and every counter.
async fn assert_posts_table_counters(analyze: &Analyze<'_>) {
    // PostgreSQL publishes a session's table counters within a second or so.
    let mut posts = serde_json::Value::Null;
    for _ in 0..40 {
        let (code, stdout, _) = analyze.run(&["--table", "posts", "--format", "json"]);
        assert_eq!(code, Some(0));
        posts = serde_json::from_str(&stdout).unwrap();
        if posts["inserts"] == 30 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(posts["table"], "posts");
    assert_eq!(posts["inserts"], 30);
    for key in [
        "seq_scan",
        "idx_scan",
        "seq_tup_read",
        "idx_tup_fetch",
        "updates",
        "deletes",
        "suggestion",
    ] {
        assert!(posts.get(key).is_some(), "{key}");
    }
}

/// A `--table` name is bound, never spliced: an injection attempt is just an unknown table.
fn assert_table_names_are_bound(analyze: &Analyze<'_>) {
    for name in ["nope", "posts' OR '1'='1", "posts; DROP TABLE posts; --"] {
        let (code, _, stderr) = analyze.run(&["--table", name]);
        assert_eq!(code, Some(1), "{name}");
        assert!(stderr.contains("no table named"), "{stderr}");
    }
    let (code, _, _) = analyze.run(&["--table", "posts"]);
    assert_eq!(code, Some(0), "posts is still there");
}

/// `--slow-queries` explains what it needs, then lists the slowest statements first.
async fn assert_slow_queries(db: &blog_repositories::DbPool, analyze: &Analyze<'_>) {
    use sea_orm::ConnectionTrait;

    let preloaded = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%' AS loaded",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<bool>("", "loaded")
        .unwrap();
    if !preloaded {
        let (code, _, stderr) = analyze.run(&["--slow-queries"]);
        assert_eq!(code, Some(2));
        assert!(
            stderr.contains("shared_preload_libraries") && stderr.contains("CREATE EXTENSION"),
            "{stderr}"
        );
        return;
    }
    let (code, _, stderr) = analyze.run(&["--slow-queries"]);
    assert_eq!(code, Some(2), "loaded but not installed here");
    assert!(
        stderr.contains("CREATE EXTENSION pg_stat_statements"),
        "{stderr}"
    );
    db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .await
        .unwrap();
    for _ in 0..3 {
        db.execute_unprepared("SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id")
            .await
            .unwrap();
    }
    let (code, stdout, stderr) =
        analyze.run(&["--slow-queries", "--min-ms", "0", "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let slow: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let rows = slow.as_array().unwrap();
    assert!(!rows.is_empty() && rows.len() <= 10);
    for key in ["query", "calls", "mean_ms", "total_ms", "rows"] {
        assert!(rows[0].get(key).is_some(), "{key}");
    }
    let means: Vec<f64> = rows
        .iter()
        .map(|r| r["mean_ms"].as_f64().unwrap())
        .collect();
    assert!(
        means.windows(2).all(|w| w[0] >= w[1]),
        "slowest first: {means:?}"
    );
    let (code, text, _) = analyze.run(&["--slow-queries", "--min-ms", "100000"]);
    assert_eq!(code, Some(0));
    assert!(text.contains("none"));
}
