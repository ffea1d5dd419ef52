//! The `blog` binary as an operator runs it: the embedded default serves the
//! demo site from nothing, and a bad setting stops the start with one line.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BLOG: &str = env!("CARGO_BIN_EXE_blog");

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
    let mut cmd = Command::new(BLOG);
    cmd.current_dir(&dir.0);
    for (key, _) in std::env::vars() {
        if key.starts_with("BLOG_") || key == "DATABASE_URL" || key == "REDIS_URL" {
            cmd.env_remove(key);
        }
    }
    cmd
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
    let _server = Running(
        clean_command(&dir)
            .arg("serve")
            .env("BLOG_BIND", format!("127.0.0.1:{port}"))
            .env("BLOG_WORKERS", "1")
            .stdout(Stdio::null())
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
        "5",
        "debug headers are on by default"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("200 posts"), "the demo dataset has 200 posts");
    assert!(dir.0.join("blog.sqlite3").exists());
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
        "blog: invalid configuration: BLOG_DB_MAX_CONNECTIONS=\"lots\": a whole number of at least 1"
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
