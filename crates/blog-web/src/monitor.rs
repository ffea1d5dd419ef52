//! Per-request monitoring: statements and their time (from the repositories'
//! query monitor), response time, debug headers and slow-request warnings.

use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use blog_repositories::query_monitor;

/// Thresholds and switches of the request monitor.
#[derive(Debug, Clone)]
pub struct MonitorSettings {
    /// Add `X-Query-Count`, `X-Query-Time` and `X-Response-Time` (milliseconds).
    pub debug_headers: bool,
    /// Warn about requests slower than this.
    pub slow_request: Duration,
    /// Warn about requests running more statements than this.
    pub max_statements: u32,
}

impl Default for MonitorSettings {
    fn default() -> Self {
        MonitorSettings {
            debug_headers: false,
            slow_request: Duration::from_millis(500),
            max_statements: 10,
        }
    }
}

/// Middleware: counts the statements this request runs, however many requests
/// run beside it (a task-local scope, not a process-wide counter).
pub async fn monitor_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let settings = req
        .app_data::<web::Data<MonitorSettings>>()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default();
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let (result, stats) = query_monitor::track(next.call(req)).await;
    let elapsed = started.elapsed();
    let mut res = result?;

    if elapsed > settings.slow_request || stats.statements > settings.max_statements {
        tracing::warn!(
            %method,
            %path,
            status = res.status().as_u16(),
            duration_ms = millis(elapsed),
            statements = stats.statements,
            query_ms = millis(stats.total_time),
            "slow request"
        );
    } else {
        tracing::debug!(
            %method,
            %path,
            status = res.status().as_u16(),
            duration_ms = millis(elapsed),
            statements = stats.statements,
            "request"
        );
    }
    if settings.debug_headers {
        let headers = res.headers_mut();
        let mut set = |name: &'static str, value: String| {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        };
        set("x-query-count", stats.statements.to_string());
        set("x-query-time", format!("{:.3}", millis(stats.total_time)));
        set("x-response-time", format!("{:.3}", millis(elapsed)));
    }
    Ok(res)
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
