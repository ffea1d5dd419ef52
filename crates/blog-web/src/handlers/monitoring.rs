//! `/api/monitoring/`, `/metrics` and the live `/monitoring/` page.

use actix_web::{HttpResponse, web};

use crate::auth::MonitoringReader;
use crate::error::{AppError, ErrorBody};
use crate::prometheus;
use crate::state::AppState;
use crate::views::{MonitoringPage, html};
use crate::wire::monitoring::MonitoringBody;

/// Database, pool, cache, Redis, system and process figures, and the last
/// minutes of request samples. Never cached.
#[utoipa::path(
    get,
    path = "/api/monitoring/",
    tag = "operations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The figures", body = MonitoringBody),
        (status = 401, description = "No token (monitoring not public)", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
pub async fn report(
    state: web::Data<AppState>,
    _reader: MonitoringReader,
) -> Result<HttpResponse, AppError> {
    let report = state.monitoring.report().await;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(MonitoringBody::from(report)))
}

/// `GET /metrics` on the main address: Prometheus text format, for admins
/// (or anyone when monitoring is public), like the other monitoring routes.
pub async fn metrics(
    state: web::Data<AppState>,
    _reader: MonitoringReader,
) -> Result<HttpResponse, AppError> {
    render_metrics(&state)
}

/// `GET /metrics` on `BLOG_METRICS_BIND`: the same, without authorization (an
/// address operators keep internal).
pub async fn internal_metrics(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    render_metrics(&state)
}

fn render_metrics(state: &AppState) -> Result<HttpResponse, AppError> {
    let handle = prometheus::recorder()
        .ok_or_else(|| AppError::NotFound("metrics are not recorded in this process".into()))?;
    let pool = state.monitoring.pool();
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(pool.in_use));
    metrics::gauge!("db_pool_max_connections").set(f64::from(pool.max));
    prometheus::collect_process_metrics();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render()))
}

/// `GET /monitoring/`: live charts drawn by `/static/monitoring.js` from
/// `/api/monitoring/`; without a token, the sign-in form.
pub async fn page(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    if let Some(sign_in) = super::sign_in::or_sign_in(&state, &req).await? {
        return Ok(sign_in);
    }
    html(&MonitoringPage)
}
