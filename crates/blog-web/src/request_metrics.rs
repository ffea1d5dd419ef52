//! Per-request metrics: statements and their time (from the repositories'
//! statement counter), response time, Prometheus metrics, the live charts'
//! samples, debug headers, slow-request warnings and the N+1 detector.

use std::time::{Duration, Instant};

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use blog_repositories::statement_counter::{self, QueryStats};
use blog_services::cache::track_lookups;

use crate::access_log::RequestCost;
use crate::error::AppError;
use crate::routes::PAGE_VIEW_ROUTES;
use crate::state::AppState;

/// The `monitoring` section of the configuration: what is measured, warned
/// about and shown, and to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringConfig {
    /// Anyone may read `/api/monitoring/` and `/monitoring/` (else an admin's token).
    pub public: bool,
    /// Add `X-Query-Count`, `X-Query-Time` and `X-Response-Time` (milliseconds),
    /// and `X-N-Plus-One` when the detector fires; `None`: on with the embedded
    /// default only ([`crate::config::Config::debug_headers`]).
    pub debug_headers: Option<bool>,
    /// Warn about requests slower than this.
    pub slow_request: Duration,
    /// Warn about requests running more statements than this.
    pub slow_request_statements: u32,
    /// One statement shape repeated more than this many times in a request is an N+1.
    pub n_plus_one_threshold: u32,
    /// Turn a detected N+1 into a 500 (tests run strict).
    pub n_plus_one_strict: bool,
    /// How often the live charts get a sample.
    pub sample_interval: Duration,
    /// Serve `/metrics` on this address instead, without authorization.
    pub metrics_bind: Option<std::net::SocketAddr>,
}

impl Default for MonitoringConfig {
    fn default() -> Self {
        MonitoringConfig {
            public: false,
            debug_headers: None,
            slow_request: Duration::from_millis(500),
            slow_request_statements: 10,
            n_plus_one_threshold: 5,
            n_plus_one_strict: false,
            sample_interval: Duration::from_secs(2),
            metrics_bind: None,
        }
    }
}

/// Middleware: counts the statements this request runs, however many requests
/// run beside it (a task-local scope, not a process-wide counter).
pub async fn measure_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .expect("AppState is registered with the app");
    let config = &state.monitoring_config;
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let ((result, lookups), stats) = statement_counter::track(track_lookups(next.call(req))).await;
    let elapsed = started.elapsed();
    let mut res = result?.map_into_boxed_body();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    res.request().extensions_mut().insert(RequestCost {
        route: route.clone(),
        statements: stats.statements,
        lookups,
    });
    let status = res.status().as_u16();

    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method.to_string(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route.clone())
        .record(elapsed.as_secs_f64());
    metrics::histogram!("http_request_db_statements", "route" => route.clone())
        .record(f64::from(stats.statements));
    state.monitoring.record_request(elapsed, stats.statements);

    if elapsed > config.slow_request || stats.statements > config.slow_request_statements {
        tracing::warn!(
            %method,
            %path,
            status,
            duration_ms = millis(elapsed),
            statements = stats.statements,
            query_ms = millis(stats.total_time),
            "slow request"
        );
    }

    let n_plus_one = stats
        .repeated_shape(config.n_plus_one_threshold)
        .map(|(shape, count)| (shape.to_owned(), count));
    if let Some((shape, count)) = &n_plus_one {
        metrics::counter!("n_plus_one_total", "route" => route.clone()).increment(1);
        tracing::warn!(%route, %path, repeats = count, %shape, "N+1 query detected");
        if config.n_plus_one_strict {
            let error = AppError::NPlusOne {
                route: route.clone(),
                count: *count,
                shape: shape.clone(),
            };
            let (request, _) = res.into_parts();
            res = ServiceResponse::from_err(error, request);
        }
    }
    if res.status() == StatusCode::OK && PAGE_VIEW_ROUTES.contains(&route.as_str()) {
        state.analytics.page_view();
    }
    if state.debug_headers {
        set_debug_headers(
            &mut res,
            &stats,
            elapsed,
            n_plus_one.map(|(shape, _)| shape),
        );
    }
    Ok(res)
}

/// What the request cost, as response headers.
fn set_debug_headers(
    res: &mut ServiceResponse<BoxBody>,
    stats: &QueryStats,
    elapsed: Duration,
    n_plus_one: Option<String>,
) {
    let headers = res.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("x-query-count", stats.statements.to_string());
    set("x-query-time", format!("{:.3}", millis(stats.total_time)));
    set("x-response-time", format!("{:.3}", millis(elapsed)));
    if let Some(shape) = n_plus_one {
        let shape: String = shape
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .take(300)
            .collect();
        set("x-n-plus-one", shape);
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
