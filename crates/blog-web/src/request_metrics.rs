//! Per-request metrics: statements and their time (from the repositories'
//! statement counter), response time, Prometheus metrics, the live charts'
//! samples, debug headers, slow-request warnings and the N+1 detector.

use std::borrow::Cow;
use std::cell::RefCell;
use std::time::{Duration, Instant};

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpRequest};
use blog_repositories::statement_counter::QueryStats;
use blog_services::cache::RequestLookups;
use metrics::{Counter, Histogram};

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

/// A route's metric handles and labels, made once per worker when the route
/// table is built (each resource carries its own as app data), so a request
/// neither matches its path again for a label nor looks its metrics up in
/// the registry by name.
#[derive(Debug)]
pub struct RouteMetrics {
    /// The route's pattern (`/blog/{id}/`), its label everywhere.
    pub pattern: &'static str,
    counts_page_views: bool,
    duration: Histogram,
    statements: Histogram,
    /// `http_requests_total` by method label and status, as they occur.
    requests: RefCell<Vec<(&'static str, u16, Counter)>>,
}

impl RouteMetrics {
    /// The handles of the route `pattern`.
    pub fn new(pattern: &'static str) -> Self {
        RouteMetrics {
            pattern,
            counts_page_views: PAGE_VIEW_ROUTES.contains(&pattern),
            duration: metrics::histogram!("http_request_duration_seconds", "route" => pattern),
            statements: metrics::histogram!("http_request_db_statements", "route" => pattern),
            requests: RefCell::new(Vec::new()),
        }
    }

    /// The metrics of the route `req` reached.
    pub fn of(req: &HttpRequest) -> Option<&RouteMetrics> {
        req.app_data::<RouteMetrics>()
    }

    fn count_request(&self, method: &Method, status: u16) {
        let method = method_label(method);
        let mut requests = self.requests.borrow_mut();
        if let Some((_, _, counter)) = requests
            .iter()
            .find(|(m, s, _)| *s == status && *m == method)
        {
            counter.increment(1);
            return;
        }
        let counter = metrics::counter!("http_requests_total", "route" => self.pattern, "method" => method, "status" => status.to_string());
        counter.increment(1);
        requests.push((method, status, counter));
    }
}

/// What the request monitor keeps of a request between its start and its response.
pub struct Measurement {
    started: Instant,
    method: Method,
}

impl Measurement {
    /// Starts measuring `req`.
    pub fn start(req: &ServiceRequest) -> Self {
        Measurement {
            started: Instant::now(),
            method: req.method().clone(),
        }
    }

    /// Records the finished request (which ran `stats` and made `lookups`):
    /// metrics, the live charts, the access line's cost, slow-request
    /// warnings, page views and debug headers. A detected N+1 is logged, and
    /// becomes the response in strict mode.
    pub fn finish(
        self,
        state: &AppState,
        mut res: ServiceResponse<BoxBody>,
        stats: &QueryStats,
        lookups: RequestLookups,
    ) -> ServiceResponse<BoxBody> {
        let config = &state.monitoring_config;
        let elapsed = self.started.elapsed();
        let status = res.status().as_u16();
        let route = self.record_route(state, &res, elapsed, stats.statements);
        state.monitoring.record_request(elapsed, stats.statements);
        if crate::access_log::enabled() {
            res.request().extensions_mut().insert(RequestCost {
                route: route.clone(),
                statements: stats.statements,
                lookups,
            });
        }
        if elapsed > config.slow_request || stats.statements > config.slow_request_statements {
            tracing::warn!(
                method = %self.method,
                path = %res.request().path(),
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
            metrics::counter!("n_plus_one_total", "route" => route.to_string()).increment(1);
            let path = res.request().path();
            tracing::warn!(%route, %path, repeats = count, %shape, "N+1 query detected");
            if config.n_plus_one_strict {
                let error = AppError::NPlusOne {
                    route: route.into_owned(),
                    count: *count,
                    shape: shape.clone(),
                };
                let (request, _) = res.into_parts();
                res = ServiceResponse::from_err(error, request);
            }
        }
        if state.debug_headers {
            set_debug_headers(&mut res, stats, elapsed, n_plus_one.map(|(shape, _)| shape));
        }
        res
    }
}

impl Measurement {
    /// The route's metrics and page views; its label. A request refused before
    /// routing (limits, start-up, admission) or matching nothing has no
    /// route's metrics: its route is matched here (rare, so the cost of it
    /// does not matter), or it is `unmatched`.
    fn record_route(
        &self,
        state: &AppState,
        res: &ServiceResponse<BoxBody>,
        elapsed: Duration,
        statements: u32,
    ) -> Cow<'static, str> {
        let status = res.status().as_u16();
        if let Some(metrics) = RouteMetrics::of(res.request()) {
            metrics.count_request(&self.method, status);
            metrics.duration.record(elapsed.as_secs_f64());
            metrics.statements.record(f64::from(statements));
            if res.status() == StatusCode::OK && metrics.counts_page_views {
                state.analytics.page_view();
            }
            return Cow::Borrowed(metrics.pattern);
        }
        let route = res
            .request()
            .match_pattern()
            .map_or(Cow::Borrowed("unmatched"), Cow::Owned);
        let label = route.to_string();
        metrics::counter!("http_requests_total", "route" => label.clone(), "method" => method_label(&self.method), "status" => status.to_string())
            .increment(1);
        metrics::histogram!("http_request_duration_seconds", "route" => label.clone())
            .record(elapsed.as_secs_f64());
        metrics::histogram!("http_request_db_statements", "route" => label)
            .record(f64::from(statements));
        route
    }
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

/// A method as a label: HTTP's own, or `OTHER` (a client may send any
/// token as a method; each must not become a series of its own).
fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "OTHER",
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_other_method_is_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::DELETE), "DELETE");
        for made_up in ["FOO", "BAR1", "PROPFIND"] {
            let method = Method::from_bytes(made_up.as_bytes()).unwrap();
            assert_eq!(method_label(&method), "OTHER");
        }
    }
}
