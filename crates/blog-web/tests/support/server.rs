//! A `blog serve` process for the tests that run the binary: in its own
//! directory, JSON logs to a file, killed however the test ends.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::blog_command;

/// A server process in its own directory, killed however the test ends.
pub struct Server {
    pub child: Child,
    pub dir: std::path::PathBuf,
    pub base: String,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Server {
    /// `blog serve` on the embedded default (or PostgreSQL + Redis from the
    /// test environment), with `env` on top; answers once ready.
    pub async fn start(name: &str, env: &[(&str, String)]) -> Server {
        // reqwest is built without a default TLS provider (the service installs ring).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = std::env::temp_dir().join(format!("blog-op-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let mut cmd = blog_command(&dir);
        cmd.arg("serve")
            .env("BLOG_BIND", format!("127.0.0.1:{port}"))
            .env("BLOG_WORKERS", "2")
            .env("BLOG_LOG_FORMAT", "json")
            // Its own keys in a shared Redis: no other test's cached pages.
            .env(
                "BLOG_CACHE_PREFIX",
                format!("blog-op-{name}-{}", std::process::id()),
            )
            .env("RUST_LOG", "info");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let log = std::fs::File::create(dir.join("serve.log")).unwrap();
        let child = cmd
            .stdout(Stdio::from(log))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            dir,
            base: format!("http://127.0.0.1:{port}"),
            port,
        };
        server.wait_until_ready().await;
        server
    }

    pub async fn wait_until_ready(&self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            if let Ok(r) = reqwest::get(format!("{}/health/ready/", self.base)).await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("not ready within 2 minutes:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("serve.log")).unwrap_or_default()
    }

    /// The access-log lines, parsed.
    pub fn access_lines(&self) -> Vec<serde_json::Value> {
        self.log()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|event| event["target"] == "access")
            .collect()
    }

    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn storage_env() -> Vec<(&'static str, String)> {
    let mut env = Vec::new();
    if let Ok(url) = std::env::var("TEST_REDIS_URL")
        && !url.is_empty()
    {
        env.push(("REDIS_URL", url));
    }
    env
}
