//! `blog-load`: the seed's Locust scenario as a goose load test.
//!
//! - `Browse` (weight 9): each user logs in on start as `testuser` /
//!   `testpass123`, then lists posts (3), opens a random post 1-100 (2),
//!   searches one of four words (1) and reads the dashboard with its token (1).
//! - `Write` (weight 1): the seed's write task, which its locustfile defines
//!   but never registers; here it is a registered scenario that logs in and
//!   creates posts.
//!
//! Our options come first and are removed before goose reads the rest
//! (`--host`, `--users`, `--run-time`, `--report-file`, ...; `--help`):
//! - `--think MIN-MAX` (seconds, default `1-3`; `0` for throughput);
//! - `--allow-remote` to target anything but loopback (refused otherwise).

use std::time::Duration;

use goose::config::GooseConfiguration;
use goose::prelude::*;

/// The dataset's user the seed's load test signs in as.
const USERNAME: &str = "testuser";
/// Its published password.
const PASSWORD: &str = "testpass123";
/// The seed's search words.
const SEARCH_WORDS: [&str; 4] = ["django", "performance", "optimization", "async"];

/// A user's API token, kept between its transactions.
#[derive(Clone)]
struct Token(String);

/// Our options, and the arguments left for goose.
struct Options {
    think: (Duration, Duration),
    goose_args: Vec<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = parse_options(std::env::args().skip(1).collect())?;
    let configuration = GooseConfiguration::parse_args_default(&options.goose_args)?;
    let (min, max) = options.think;
    GooseAttack::initialize_with_config(configuration)?
        .register_scenario(
            scenario!("Browse")
                .set_weight(9)?
                .set_wait_time(min, max)?
                .register_transaction(transaction!(log_in).set_on_start().set_name("login"))
                .register_transaction(transaction!(list).set_weight(3)?.set_name("list"))
                .register_transaction(transaction!(detail).set_weight(2)?.set_name("detail"))
                .register_transaction(transaction!(search).set_name("search"))
                .register_transaction(transaction!(dashboard).set_name("dashboard")),
        )
        .register_scenario(
            scenario!("Write")
                .set_weight(1)?
                .set_wait_time(min, max)?
                .register_transaction(transaction!(log_in).set_on_start().set_name("login"))
                .register_transaction(transaction!(create_post).set_name("create post")),
        )
        .execute()
        .await?;
    Ok(())
}

/// Splits our options from goose's and checks the target.
fn parse_options(args: Vec<String>) -> Result<Options, String> {
    let mut think = (Duration::from_secs(1), Duration::from_secs(3));
    let mut allow_remote = false;
    let mut goose_args = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--allow-remote" => allow_remote = true,
            "--think" => think = parse_think(&args.next().unwrap_or_default())?,
            _ => goose_args.push(arg),
        }
    }
    let host = goose_args
        .iter()
        .position(|a| a == "--host" || a == "-H")
        .and_then(|i| goose_args.get(i + 1))
        .ok_or("--host http://127.0.0.1:PORT is required")?;
    if !allow_remote && !is_loopback(host) {
        return Err(format!(
            "{host} is not a loopback address: pass --allow-remote to load it anyway"
        ));
    }
    Ok(Options { think, goose_args })
}

/// `1-3` (seconds, a range), `2` (exactly), `0` (no think time).
fn parse_think(text: &str) -> Result<(Duration, Duration), String> {
    let seconds = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("--think takes MIN-MAX seconds, not {text:?}"))
    };
    let (min, max) = match text.split_once('-') {
        Some((min, max)) => (seconds(min)?, seconds(max)?),
        None => (seconds(text)?, seconds(text)?),
    };
    if min > max {
        return Err(format!("--think {text}: the minimum is above the maximum"));
    }
    Ok((min, max))
}

fn is_loopback(host: &str) -> bool {
    url::Url::parse(host).is_ok_and(|url| match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    })
}

/// Signs in and keeps the token.
async fn log_in(user: &mut GooseUser) -> TransactionResult {
    let body = serde_json::json!({"username": USERNAME, "password": PASSWORD});
    let mut goose = user.post_json("/auth/login/", &body).await?;
    let token = match goose.response {
        Ok(response) if response.status().is_success() => response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v["token"].as_str().map(str::to_owned)),
        _ => None,
    };
    match token {
        Some(token) => user.set_session_data(Token(token)),
        None => return user.set_failure("login refused", &mut goose.request, None, None),
    }
    Ok(())
}

async fn list(user: &mut GooseUser) -> TransactionResult {
    user.get("/blog/").await?;
    Ok(())
}

async fn detail(user: &mut GooseUser) -> TransactionResult {
    let path = format!("/blog/{}/", 1 + random() % 100);
    let request = GooseRequest::builder()
        .path(path.as_str())
        .name("/blog/{id}/")
        .build();
    user.request(request).await?;
    Ok(())
}

async fn search(user: &mut GooseUser) -> TransactionResult {
    let word = SEARCH_WORDS[(random() % SEARCH_WORDS.len() as u64) as usize];
    let path = format!("/search/?q={word}");
    let request = GooseRequest::builder()
        .path(path.as_str())
        .name("/search/?q={word}")
        .build();
    user.request(request).await?;
    Ok(())
}

async fn dashboard(user: &mut GooseUser) -> TransactionResult {
    authorized(user, GooseMethod::Get, "/api/dashboard/", None).await
}

async fn create_post(user: &mut GooseUser) -> TransactionResult {
    let body = serde_json::json!({
        "title": format!("Load test post {:016x}", random()),
        "content": "Written by the goose load test: async rust performance notes.",
        "category_id": 1,
        "tags": ["load-test"],
    });
    authorized(user, GooseMethod::Post, "/api/posts/", Some(body)).await
}

/// A request with the user's bearer token (and a JSON body, if any).
async fn authorized(
    user: &mut GooseUser,
    method: GooseMethod,
    path: &str,
    body: Option<serde_json::Value>,
) -> TransactionResult {
    let token = user
        .get_session_data::<Token>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let mut builder = user.get_request_builder(&method, path)?.bearer_auth(token);
    if let Some(body) = body {
        builder = builder.json(&body);
    }
    let request = GooseRequest::builder()
        .method(method)
        .path(path)
        .set_request_builder(builder)
        .build();
    user.request(request).await?;
    Ok(())
}

/// A random number (the OS's; the load test needs no reproducible order).
fn random() -> u64 {
    getrandom::u64().unwrap_or(7)
}
