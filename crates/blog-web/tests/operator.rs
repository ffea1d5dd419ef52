//! The `blog` binary as an operator sees it: one access-log line per
//! request carrying its request id (JSON with `BLOG_LOG_FORMAT=json`), and a
//! graceful stop on SIGTERM that finishes the requests in flight, refuses new
//! connections, flushes the page-view counts and exits 0.

use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "support/server.rs"]
mod server;
mod support;

use server::{Server, storage_env};

#[tokio::test]
async fn every_request_gets_an_access_line_and_an_id_a_client_cannot_forge() {
    let mut env = storage_env();
    env.push(("BLOG_TRUSTED_PROXIES", "10.0.0.0/8".into()));
    let server = Server::start("access", &env).await;
    let client = reqwest::Client::new();
    let forged = client
        .get(format!("{}/blog/", server.base))
        .header("x-request-id", "forged-id")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 200);
    let id = forged.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(
        id, "forged-id",
        "a peer outside BLOG_TRUSTED_PROXIES names no id"
    );
    let missing = client
        .get(format!("{}/blog/999999/", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let other_id = missing.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(id, other_id);

    tokio::time::sleep(Duration::from_millis(300)).await;
    let lines = server.access_lines();
    let line = lines
        .iter()
        .find(|l| l["span"]["request_id"] == id.as_str())
        .unwrap_or_else(|| panic!("an access line with id {id}:\n{}", server.log()));
    assert_eq!(line["method"], "GET");
    assert_eq!(line["route"], "/blog/");
    assert_eq!(line["status"], 200);
    // Two statements uncached; fewer when some parts came from the cache.
    let statements = line["statements"].as_u64().unwrap();
    let expected = match line["cache"].as_str() {
        Some("miss") => statements == 2,
        Some("hit") => statements == 0,
        _ => statements < 2,
    };
    assert!(expected, "{line}");
    assert!(line["bytes"].as_u64().unwrap() > 1000, "{line}");
    assert!(line["duration_ms"].as_f64().is_some(), "{line}");
    assert!(
        ["hit", "miss", "partial"].contains(&line["cache"].as_str().unwrap()),
        "{line}"
    );
    let missing_line = lines
        .iter()
        .find(|l| l["span"]["request_id"] == other_id.as_str())
        .unwrap_or_else(|| panic!("an access line with id {other_id}"));
    assert_eq!(
        (
            missing_line["route"].as_str(),
            missing_line["status"].as_u64()
        ),
        (Some("/blog/{id}/"), Some(404))
    );
}

#[tokio::test]
async fn a_trusted_proxy_names_the_request_id() {
    let mut env = storage_env();
    env.push(("BLOG_TRUSTED_PROXIES", "127.0.0.1".into()));
    let server = Server::start("proxy-id", &env).await;
    let client = reqwest::Client::new();
    let named = client
        .get(format!("{}/health/live/", server.base))
        .header("x-request-id", "nginx-3f2a")
        .send()
        .await
        .unwrap();
    assert_eq!(named.headers()["x-request-id"], "nginx-3f2a");
    let insane = client
        .get(format!("{}/health/live/", server.base))
        .header("x-request-id", "a b\"c")
        .send()
        .await
        .unwrap();
    assert_ne!(
        insane.headers()["x-request-id"],
        "a b\"c",
        "only a sane token is taken"
    );
}

/// An external stats API that answers each request after a second.
async fn slow_external_api() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
                let body = r#"{"total_views": 7, "bounce_rate": 0.5}"#;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    address
}

#[tokio::test]
async fn sigterm_finishes_the_requests_in_flight_and_exits_0() {
    let api = slow_external_api().await;
    let mut env = storage_env();
    env.push(("BLOG_EXTERNAL_API_URL", format!("http://{api}/stats")));
    let mut server = Server::start("sigterm", &env).await;
    let client = reqwest::Client::new();
    let token: serde_json::Value = client
        .post(format!("{}/auth/login/", server.base))
        .json(&serde_json::json!({"username": "testuser", "password": "testpass123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let in_flight: Vec<_> = (0..30)
        .map(|_| {
            let request = client
                .get(format!("{}/api/dashboard/", server.base))
                .bearer_auth(&token)
                .send();
            tokio::spawn(request)
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    server.terminate();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], server.port)),
        Duration::from_millis(500),
    );
    assert!(
        refused.is_err(),
        "a new connection after SIGTERM is refused"
    );
    let mut answers = Vec::new();
    for request in in_flight {
        let answer = match request.await.unwrap() {
            Ok(response) => {
                let status = response.status().as_u16();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                // The slow part arrived: the request really was in flight.
                (status, body["external_data"]["total_views"].as_i64())
            }
            Err(_) => (0, None),
        };
        answers.push(answer);
    }
    assert_eq!(
        answers,
        vec![(200, Some(7)); 30],
        "every request in flight is answered whole"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the process exits after draining"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status.code(), Some(0), "{}", server.log());
}

#[tokio::test]
async fn sigterm_flushes_the_page_view_counts_to_redis() {
    let Ok(redis) = std::env::var("TEST_REDIS_URL") else {
        return;
    };
    if redis.is_empty() {
        return;
    }
    let key = format!("blog-op-{}:analytics:daily", std::process::id());
    let env = [
        ("REDIS_URL", redis.clone()),
        ("BLOG_ANALYTICS_KEY", key.clone()),
        // No periodic flush during the test: only the one at shutdown.
        ("BLOG_ANALYTICS_FLUSH_MS", "3600000".into()),
    ];
    let mut server = Server::start("flush", &env).await;
    for path in ["/blog/", "/blog/1/", "/search/?q=django"] {
        assert_eq!(
            reqwest::get(format!("{}{path}", server.base))
                .await
                .unwrap()
                .status(),
            200
        );
    }
    server.terminate();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the process exits");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let field = format!("{}:page_views", chrono::Utc::now().format("%Y-%m-%d"));
    let counted = Command::new("redis-cli")
        .args(["-u", &redis, "HGET", &key, &field])
        .output()
        .expect("redis-cli runs");
    let _ = Command::new("redis-cli")
        .args(["-u", &redis, "DEL", &key])
        .output();
    assert_eq!(
        String::from_utf8_lossy(&counted.stdout).trim(),
        "3",
        "the three views were flushed on exit"
    );
}
