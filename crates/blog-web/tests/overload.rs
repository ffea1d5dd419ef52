//! Overload: a thousand connections at once against a pool of ten. Every
//! request gets a 200 or a fast 503 with `Retry-After`, none is dropped, the
//! process's peak memory stays bounded, and nothing panics.

use std::time::{Duration, Instant};

use blog_services::PasswordHasher;
use blog_services::dataset::{self, DatasetSpec};
use blog_testkit::TestDatabase;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[path = "support/server.rs"]
mod server;
mod support;

use server::{Server, storage_env};

/// Connections opened at once.
const CONNECTIONS: usize = 1000;
/// The pool's size and acquire timeout.
const POOL: u32 = 10;
const ACQUIRE: Duration = Duration::from_millis(1000);
/// The most the process may hold at its peak.
const PEAK_LIMIT_KIB: u64 = 512 * 1024;

/// One request on its own connection: its status (0 when the connection
/// failed) and how long it took.
async fn one_request(port: u16, n: usize) -> (u16, Duration) {
    let started = Instant::now();
    let request = format!(
        "GET /blog/?page={} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        n % 3 + 1
    );
    let answer = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut head = Vec::new();
        stream.read_to_end(&mut head).await?;
        Ok::<_, std::io::Error>(head)
    };
    let status = match tokio::time::timeout(Duration::from_secs(30), answer).await {
        Ok(Ok(bytes)) => std::str::from_utf8(&bytes[..bytes.len().min(12)])
            .ok()
            .and_then(|line| line.get(9..12))
            .and_then(|code| code.parse().ok())
            .unwrap_or(0),
        _ => 0,
    };
    (status, started.elapsed())
}

/// The process's peak resident memory (`VmHWM`), in KiB.
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// The soft limit on open files of this process (`/proc/self/limits`).
fn open_files_limit() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok())
        .unwrap_or(u64::MAX)
}

#[tokio::test]
async fn a_thousand_connections_against_a_pool_of_ten_get_200_or_a_fast_503() {
    if open_files_limit() < 2 * CONNECTIONS as u64 + 100 {
        eprintln!(
            "ulimit -n is below {}: the overload test needs that many sockets",
            2 * CONNECTIONS + 100
        );
        return;
    }
    let test_db = TestDatabase::new().await;
    dataset::seed(
        &test_db.db,
        &DatasetSpec::new(60),
        &PasswordHasher::fast_insecure(),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    let mut env = storage_env();
    env.extend([
        ("DATABASE_URL", test_db.url.clone()),
        ("BLOG_CACHE", "off".to_owned()),
        ("BLOG_DB_MAX_CONNECTIONS", POOL.to_string()),
        ("BLOG_DB_MIN_CONNECTIONS", "1".to_owned()),
        (
            "BLOG_DB_ACQUIRE_TIMEOUT_MS",
            ACQUIRE.as_millis().to_string(),
        ),
    ]);
    let server = Server::start("overload", &env).await;
    let at_rest = peak_kib(server.child.id());

    let requests = (0..CONNECTIONS).map(|n| tokio::spawn(one_request(server.port, n)));
    let answers = futures::future::join_all(requests).await;
    let answers: Vec<(u16, Duration)> = answers.into_iter().map(|a| a.unwrap()).collect();

    let ok = answers.iter().filter(|(s, _)| *s == 200).count();
    let busy: Vec<Duration> = answers
        .iter()
        .filter(|(s, _)| *s == 503)
        .map(|(_, t)| *t)
        .collect();
    let other: Vec<u16> = answers
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| *s != 200 && *s != 503)
        .collect();
    let slowest_503 = busy.iter().max().copied().unwrap_or_default();
    let peak = peak_kib(server.child.id());
    println!(
        "overload: {ok} x 200, {} x 503 (slowest {slowest_503:?}), {} other; peak RSS {} MiB (at rest {} MiB)",
        busy.len(),
        other.len(),
        peak / 1024,
        at_rest / 1024
    );
    assert!(other.is_empty(), "only 200 or 503: {other:?}");
    assert!(ok > 0, "some requests were served");
    // A 503 comes after at most one acquire timeout, plus the wait to be
    // accepted and scheduled among a thousand.
    assert!(slowest_503 < ACQUIRE * 3, "a 503 took {slowest_503:?}");
    assert!(peak < PEAK_LIMIT_KIB, "peak RSS {} MiB", peak / 1024);
    let log = server.log();
    assert!(!log.contains("panicked"), "no panic:\n{log}");
    // Still serving afterwards.
    let after = reqwest::get(format!("{}/api/posts/", server.base))
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
}
