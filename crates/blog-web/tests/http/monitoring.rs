//! `/api/monitoring/`, `/metrics` and `/monitoring/` over HTTP, and the page
//! rendered by headless Chromium.

use std::time::Duration;

use blog_testkit::redis_url;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::TestApp;

async fn report(app: &TestApp, token: &str) -> Value {
    let response = app
        .authed(Method::GET, "/api/monitoring/", token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

#[tokio::test]
async fn monitoring_is_for_admins_unless_public() {
    let app = TestApp::cached(5).await;
    assert_eq!(
        app.get("/api/monitoring/").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let page = app.get("/monitoring/").await;
    assert_eq!(
        page.status(),
        StatusCode::SEE_OTHER,
        "a browser is sent to sign in"
    );
    assert_eq!(page.headers()["location"], "/monitoring/login/");
    let reader = app.login("user2", "password2").await;
    let forbidden = app
        .authed(Method::GET, "/api/monitoring/", &reader)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let admin = app.login_admin().await;
    let page = app
        .client
        .get(app.url("/monitoring/"))
        .header("cookie", format!("blog_token={admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "the page takes the token from a cookie"
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("/static/monitoring.js?v=")
    );

    let public = TestApp::with_config(3, |config| config.monitoring.public = true).await;
    assert_eq!(
        public.get("/api/monitoring/").await.status(),
        StatusCode::OK
    );
    assert_eq!(public.get("/monitoring/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_report_has_every_figure() {
    let app = TestApp::cached(20).await;
    let admin = app.login_admin().await;
    for _ in 0..5 {
        app.get("/blog/").await;
        app.get("/blog/3/").await;
    }
    // Let the background sampler close an interval (300 ms in tests) and sample the machine.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let body = report(&app, &admin).await;
    if app.test_db.is_postgres() {
        assert!(body["database"]["active_connections"].as_i64().unwrap() >= 1);
        assert!(body["database"]["total_transactions"].as_i64().unwrap() > 0);
    } else {
        assert!(body["database"].is_null(), "null on SQLite");
    }
    let pool = &body["pool"];
    assert!(pool["size"].as_u64().unwrap() >= 1);
    assert_eq!(
        pool["in_use"].as_u64().unwrap() + pool["idle"].as_u64().unwrap(),
        pool["size"].as_u64().unwrap()
    );
    assert_eq!(pool["max"], 5);
    let cache = &body["cache"];
    assert!(cache["hits"].as_u64().unwrap() >= 8, "{cache}");
    assert!(cache["hit_ratio"].as_f64().unwrap() > 0.5);
    if redis_url().is_some() {
        assert_eq!(cache["backend"], "redis");
        assert!(body["redis"]["connected_clients"].as_i64().unwrap() >= 1);
        assert!(
            body["redis"]["used_memory_human"]
                .as_str()
                .unwrap()
                .ends_with(['B', 'K', 'M', 'G'])
        );
    } else {
        assert_eq!(cache["backend"], "memory");
        assert!(body["redis"].is_null());
    }
    let system = &body["system"];
    for figure in ["cpu_percent", "memory_percent", "disk_percent"] {
        let v = system[figure].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&v), "{figure} = {v}");
    }
    assert!(system["memory_percent"].as_f64().unwrap() > 0.0);
    assert!(body["process"]["resident_memory_bytes"].as_u64().unwrap() > 1_000_000);
    assert!(body["process"]["uptime_seconds"].is_u64());
    let history = body["history"].as_array().unwrap();
    assert!(!history.is_empty());
    let busy: Vec<&Value> = history
        .iter()
        .filter(|s| s["requests_per_second"].as_f64().unwrap() > 0.0)
        .collect();
    assert!(
        !busy.is_empty(),
        "the traffic shows in the samples: {history:?}"
    );
    assert!(
        busy.iter()
            .all(|s| s["p99_ms"].as_f64().unwrap() >= s["p50_ms"].as_f64().unwrap())
    );
}

#[tokio::test]
async fn metrics_are_prometheus_text_by_route_pattern() {
    let app = TestApp::cached(10).await;
    for path in [
        "/blog/",
        "/blog/3/",
        "/blog/4/",
        "/api/posts/",
        "/blog/999/",
    ] {
        app.get(path).await;
    }
    assert_eq!(
        app.get("/metrics").await.status(),
        StatusCode::UNAUTHORIZED,
        "metrics follow the monitoring rule"
    );
    let admin = app.login_admin().await;
    let response = app
        .authed(Method::GET, "/metrics", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    for needle in [
        r#"http_requests_total{route="/blog/",method="GET",status="200"}"#,
        r#"http_requests_total{route="/blog/{id}/",method="GET",status="404"}"#,
        r#"http_request_duration_seconds_bucket{route="/blog/{id}/",le="0.005"}"#,
        r#"http_request_db_statements_bucket{route="/blog/",le="5"}"#,
        "db_statement_duration_seconds_bucket",
        "cache_hits_total",
        "cache_misses_total",
        r#"db_pool_connections{state="idle"}"#,
        "db_pool_max_connections",
        "# HELP http_requests_total",
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_threads",
    ] {
        assert!(text.contains(needle), "/metrics has {needle}");
    }
    let resident = text
        .lines()
        .find_map(|line| line.strip_prefix("process_resident_memory_bytes "))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .expect("a resident memory figure");
    assert!(resident > 1e6, "the process's own memory: {resident}");
    assert!(
        !text.contains("route=\"/blog/3/\""),
        "raw paths never become labels"
    );
}

/// The page in a real browser: the charts are drawn from the service's own
/// numbers. Needs Debian's chromium (installed by .ci/run); skipped without it.
#[tokio::test]
async fn the_monitoring_page_draws_the_real_numbers_in_chromium() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(chromium) = chromium else {
        eprintln!(
            "chromium is not installed: skipping the browser test (apt-get install chromium)"
        );
        return;
    };
    let app = TestApp::with_config(20, |config| config.monitoring.public = true).await;
    // Traffic keeps flowing while the browser loads the page, so the sample it
    // draws has real numbers in it.
    let traffic = {
        let (client, base) = (app.client.clone(), app.base.clone());
        tokio::spawn(async move {
            loop {
                for path in ["/blog/", "/blog/2/", "/search/?q=django"] {
                    let _ = client.get(format!("{base}{path}")).send().await;
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    let output = dump_dom_in_chromium(chromium, &app.url("/monitoring/")).await;
    let (_, body) = app.json("/api/monitoring/").await;
    traffic.abort();
    let dom = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        dom.contains(r#"data-loaded="true""#),
        "the script loaded the figures: {dom}"
    );
    assert!(dom.contains("<polyline"), "the charts are drawn");
    assert_charts_have_axes_and_a_readout(&dom);

    let history = body["history"].as_array().unwrap().clone();
    for metric in [
        "requests_per_second",
        "p50_ms",
        "p99_ms",
        "statements_per_request",
        "pool_in_use",
    ] {
        assert_chart_shows_the_services_figure(&dom, &history, metric);
    }
    let busiest = history
        .iter()
        .map(|s| s["requests_per_second"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!(busiest > 0.0, "real traffic was recorded");
}

/// Every chart has a value axis (three labels, the top one with the unit),
/// a time axis (two clock labels) and the readout of a sample.
fn assert_charts_have_axes_and_a_readout(dom: &str) {
    for figure in dom.split("<figure").skip(1) {
        let unit = figure
            .split(r#"data-unit=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap();
        let axis = |class: &str| {
            let group = figure
                .split(&format!(r#"class="{class}""#))
                .nth(1)
                .unwrap_or("");
            let group = group.split("</g>").next().unwrap_or("");
            group.matches("<text").count()
        };
        assert_eq!(
            (axis("axis-y"), axis("axis-x")),
            (3, 2),
            "axes of the {unit} chart"
        );
        assert!(
            figure.contains(&format!(" {unit}</text>")),
            "the value axis names {unit}"
        );
        let readout = figure.split(r#"class="readout">"#).nth(1).unwrap_or("");
        assert!(
            readout
                .split('<')
                .next()
                .unwrap()
                .contains(&format!(" {unit} at ")),
            "a readout of the {unit} chart: {readout}"
        );
    }
}

/// Loads `url` in headless Chromium with a scratch profile and returns its DOM dump.
async fn dump_dom_in_chromium(chromium: &str, url: &str) -> std::process::Output {
    let profile = std::env::temp_dir().join(format!("blog-chromium-{}", std::process::id()));
    let output = tokio::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=4000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .kill_on_drop(true)
        .output()
        .await
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    output
}

/// The chart for `metric` in `dom` shows the latest figure of a sample in the service's `history`.
fn assert_chart_shows_the_services_figure(dom: &str, history: &[Value], metric: &str) {
    let figure = dom
        .split("<figure")
        .find(|f| f.contains(&format!(r#"data-metric="{metric}""#)))
        .unwrap_or_else(|| panic!("a chart for {metric}"));
    let attribute = |name: &str| -> String {
        let start = figure
            .find(&format!(r#"{name}=""#))
            .unwrap_or_else(|| panic!("{metric} has {name}"))
            + name.len()
            + 2;
        figure[start..].split('"').next().unwrap().to_owned()
    };
    let timestamp: i64 = attribute("data-timestamp").parse().unwrap();
    let shown: f64 = attribute("data-latest").parse().unwrap();
    let sample = history
        .iter()
        .find(|s| s["timestamp"].as_i64() == Some(timestamp))
        .unwrap_or_else(|| panic!("the page's sample {timestamp} is in the service's history"));
    let expected = sample[metric].as_f64().unwrap();
    assert!(
        (shown - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{metric} on the chart ({shown}) is the service's figure ({expected})"
    );
    if metric == "requests_per_second" {
        assert!(shown > 0.0, "the drawn sample saw the traffic");
    }
    assert!(attribute("data-points").parse::<usize>().unwrap() >= 1);
}
