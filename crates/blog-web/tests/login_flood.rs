//! A login flood against the real binary (the embedded default, real argon2
//! parameters): memory stays bounded, excess attempts are refused fast (429 or
//! 503, never anything else), the site keeps answering, and an unknown user
//! costs as much time as a wrong password.

use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

mod support;

use support::blog_command;

/// A server process that is killed however the test ends.
struct Server {
    child: Child,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start(port: u16) -> Server {
    let dir = std::env::temp_dir().join(format!("blog-flood-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = blog_command(&dir);
    let child = cmd
        .arg("serve")
        .env("BLOG_BIND", format!("127.0.0.1:{port}"))
        .env("BLOG_WORKERS", "2")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server { child, dir }
}

/// A field of `/proc/PID/status`, in kB.
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse().ok())
        .unwrap_or(0)
}

async fn login(client: &reqwest::Client, base: &str, user: &str, password: &str) -> StatusCode {
    client
        .post(format!("{base}/auth/login/"))
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await
        .map(|r| r.status())
        .unwrap_or(StatusCode::BAD_GATEWAY)
}

/// An unknown user and a wrong password cost the same argon2 check.
async fn assert_equal_timing(client: &reqwest::Client, base: &str) {
    let unknown: Vec<(String, &str)> = (0..5).map(|n| (format!("ghost{n}"), "guess")).collect();
    let wrong: Vec<(String, &str)> = (2..7).map(|n| (format!("user{n}"), "guess")).collect();
    let (unknown, wrong) = (
        median_time(client, base, &unknown).await,
        median_time(client, base, &wrong).await,
    );
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown {unknown:?} vs wrong {wrong:?}"
    );
}

/// Waits for the demo site (seeding it hashes 101 passwords first).
async fn wait_until_ready(client: &reqwest::Client, base: &str) {
    let started = Instant::now();
    loop {
        let health = client.get(format!("{base}/health/")).send().await;
        if health.is_ok_and(|r| r.status() == StatusCode::OK) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the demo site started"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The median of `attempts` timed logins.
async fn median_time(
    client: &reqwest::Client,
    base: &str,
    attempts: &[(String, &str)],
) -> Duration {
    let mut times = Vec::new();
    for (user, password) in attempts {
        let started = Instant::now();
        assert_eq!(
            login(client, base, user, password).await,
            StatusCode::UNAUTHORIZED
        );
        times.push(started.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

#[tokio::test]
async fn a_login_flood_is_bounded_and_the_site_keeps_answering() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = start(port);
    let pid = server.child.id();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    wait_until_ready(&client, &base).await;
    assert_equal_timing(&client, &base).await;

    // Forget the seeding's peak, then flood.
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    let baseline = status_kb(pid, "VmRSS:");
    let flood_started = Instant::now();
    let attempts: Vec<_> = (0..200)
        .map(|n| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move {
                login(&client, &base, &format!("user{}", 2 + n % 99), "wrong").await
            })
        })
        .collect();
    let page_started = Instant::now();
    let page = client
        .get(format!("{base}/blog/"))
        .send()
        .await
        .unwrap()
        .status();
    let page_time = page_started.elapsed();
    let mut answers = std::collections::BTreeMap::new();
    for attempt in attempts {
        *answers.entry(attempt.await.unwrap().as_u16()).or_insert(0) += 1;
    }
    let flood_time = flood_started.elapsed();
    let peak = status_kb(pid, "VmHWM:");
    eprintln!(
        "flood: {answers:?} in {flood_time:?} ({:.0} attempts/s), page {page_time:?}, \
         resident {baseline} kB before, peak {peak} kB",
        200.0 / flood_time.as_secs_f64()
    );
    assert!(
        answers.keys().all(|s| [401, 429, 503].contains(s)),
        "only refusals: {answers:?}"
    );
    assert!(
        answers.get(&401).copied().unwrap_or(0) <= 20,
        "at most the address's limit is checked: {answers:?}"
    );
    assert_eq!(page, StatusCode::OK);
    assert!(
        page_time < Duration::from_secs(2),
        "the site answered in {page_time:?}"
    );
    assert!(
        peak < 150 * 1024,
        "peak resident {peak} kB (was 655 MB unbounded)"
    );

    // The address is over its limit now: every further guess is refused at once.
    let second = Instant::now();
    for n in 0..50 {
        assert_eq!(
            login(&client, &base, &format!("user{}", 2 + n), "wrong").await,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    assert!(
        second.elapsed() < Duration::from_secs(5),
        "50 refusals took {:?}",
        second.elapsed()
    );
}
