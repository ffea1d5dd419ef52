//! How the service runs: tokens and logins, the server, monitoring, the
//! dashboard's source and the log.

use tracing_subscriber::EnvFilter;

use crate::client::IpRange;
use crate::logging::LogFormat;
use blog_repositories::SecretUrl;

use super::{Shown, Variable, secret, set, var};
use crate::config::values::{flag, millis, seconds, show_millis, show_seconds, whole, whole_u32};

/// The service variables.
pub(super) static SERVICE: &[Variable] = &[
    var(
        "BLOG_ARTICLES_CATEGORY",
        "the category id of articles published through the RealWorld API",
        Shown::Value(|c| Some(c.articles.category_id.to_string())),
        |c, v| {
            let id = whole_u32(v, 1, i32::MAX as u32)?;
            c.articles.category_id = i32::try_from(id).unwrap_or(1);
            Ok(())
        },
    ),
    var(
        "BLOG_MAX_TOKENS_PER_USER",
        "live API tokens per user; a login past it revokes the oldest",
        Shown::Value(|c| Some(c.auth.max_tokens_per_user.to_string())),
        |c, v| set(&mut c.auth.max_tokens_per_user, whole_u32(v, 1, 1000)),
    ),
    var(
        "BLOG_LOGIN_FAILURES_PER_ADDRESS",
        "failed logins from one client address per window, then 429",
        Shown::Value(|c| Some(c.auth.failures_per_address.to_string())),
        |c, v| set(&mut c.auth.failures_per_address, whole_u32(v, 1, 1_000_000)),
    ),
    var(
        "BLOG_LOGIN_FAILURES_PER_USERNAME",
        "failed logins for one username per window, then 429",
        Shown::Value(|c| Some(c.auth.failures_per_username.to_string())),
        |c, v| {
            set(
                &mut c.auth.failures_per_username,
                whole_u32(v, 1, 1_000_000),
            )
        },
    ),
    var(
        "BLOG_LOGIN_WINDOW_S",
        "the login throttling window, from a key's first failure",
        Shown::Value(|c| Some(show_seconds(c.auth.failure_window))),
        |c, v| set(&mut c.auth.failure_window, seconds(v, 1, 86_400)),
    ),
    var(
        "BLOG_PASSWORD_CHECKS",
        "password checks (argon2, 19 MiB each) running at once",
        Shown::Rule("the number of cores"),
        |c, v| {
            set(
                &mut c.auth.concurrent_password_checks,
                whole(v, 1, 256).map(|n| n as usize),
            )
        },
    ),
    var(
        "BLOG_PASSWORD_CHECK_WAIT_MS",
        "how long a login waits for a password check before 503",
        Shown::Value(|c| Some(show_millis(c.auth.password_check_wait))),
        |c, v| set(&mut c.auth.password_check_wait, millis(v, 1, 60_000)),
    ),
    var(
        "BLOG_TRUSTED_PROXIES",
        "comma-separated addresses or CIDRs whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed",
        Shown::Value(|_| None),
        |c, v| {
            let ranges: Result<Vec<IpRange>, String> =
                v.split(',').map(|r| r.trim().parse()).collect();
            set(&mut c.server.trusted_proxies, ranges)
        },
    ),
    var(
        "BLOG_METRICS_BIND",
        "a separate address for `/metrics`, without authorization (keep it internal); unset, `/metrics` is on the main address under the monitoring rule",
        Shown::Value(|_| None),
        |c, v| {
            let address = v
                .parse()
                .map_err(|_| "an address such as 127.0.0.1:9100".to_owned());
            set(&mut c.monitoring.metrics_bind, address.map(Some))
        },
    ),
    var(
        "BLOG_DEBUG_HEADERS",
        "`X-Query-Count`, `X-Query-Time`, `X-Response-Time` (ms) on every response",
        Shown::Rule("`true` on the embedded default (no `DATABASE_URL`), else `false`"),
        |c, v| set(&mut c.monitoring.debug_headers, flag(v).map(Some)),
    ),
    var(
        "BLOG_SLOW_REQUEST_MS",
        "a slower request logs a warning",
        Shown::Value(|c| Some(show_millis(c.monitoring.slow_request))),
        |c, v| set(&mut c.monitoring.slow_request, millis(v, 0, 3_600_000)),
    ),
    var(
        "BLOG_SLOW_REQUEST_STATEMENTS",
        "a request running more SQL statements logs a warning",
        Shown::Value(|c| Some(c.monitoring.slow_request_statements.to_string())),
        |c, v| {
            set(
                &mut c.monitoring.slow_request_statements,
                whole_u32(v, 0, 100_000),
            )
        },
    ),
    var(
        "BLOG_N_PLUS_ONE_THRESHOLD",
        "one statement shape repeated more often in a request is an N+1",
        Shown::Value(|c| Some(c.monitoring.n_plus_one_threshold.to_string())),
        |c, v| {
            set(
                &mut c.monitoring.n_plus_one_threshold,
                whole_u32(v, 1, 100_000),
            )
        },
    ),
    var(
        "BLOG_N_PLUS_ONE_STRICT",
        "a detected N+1 fails the request (500); the tests' setting",
        Shown::Value(|c| Some(c.monitoring.n_plus_one_strict.to_string())),
        |c, v| set(&mut c.monitoring.n_plus_one_strict, flag(v)),
    ),
    var(
        "BLOG_MONITORING_PUBLIC",
        "monitoring readable without an admin token",
        Shown::Value(|c| Some(c.monitoring.public.to_string())),
        |c, v| set(&mut c.monitoring.public, flag(v)),
    ),
    var(
        "BLOG_MONITORING_SAMPLE_MS",
        "the interval of the live charts' samples",
        Shown::Value(|c| Some(show_millis(c.monitoring.sample_interval))),
        |c, v| set(&mut c.monitoring.sample_interval, millis(v, 100, 60_000)),
    ),
    secret(
        "BLOG_EXTERNAL_API_URL",
        "the dashboard's external stats source (`http(s)://...`)",
        Shown::Value(|c| {
            c.dashboard
                .external_api_url
                .as_ref()
                .map(SecretUrl::redacted)
        }),
        |c, v| {
            let url = SecretUrl::new(v);
            if !url.has_scheme(&["http://", "https://"]) {
                return Err("an http:// or https:// URL".into());
            }
            c.dashboard.external_api_url = Some(url);
            Ok(())
        },
    ),
    var(
        "RUST_LOG",
        "the log filter (tracing's `EnvFilter` syntax)",
        Shown::Value(|c| Some(c.log.filter.clone())),
        |c, v| {
            EnvFilter::try_new(v).map_err(|e| format!("a log filter such as info ({e})"))?;
            c.log.filter = v.to_owned();
            Ok(())
        },
    ),
    var(
        "BLOG_LOG_FORMAT",
        "`text` (a line for people) or `json` (one JSON object a line, for a log shipper)",
        Shown::Value(|c| Some(c.log.format.name().to_owned())),
        |c, v| {
            c.log.format = match v {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => return Err("one of text, json".into()),
            };
            Ok(())
        },
    ),
];
