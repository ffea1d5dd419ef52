//! `GET /health/live/` (the process answers), `GET /health/ready/` and its
//! older name `GET /health/` (the database answers, migrated; Redis reported).

use actix_web::{HttpResponse, web};

use crate::error::{AppError, ErrorBody};
use crate::state::AppState;
use crate::wire::{HealthBody, ReadinessBody};

/// Answers without touching any dependency: a restart is the only cure for a
/// process that cannot do this.
#[utoipa::path(
    get,
    path = "/health/live/",
    tag = "operations",
    responses((status = 200, description = "The process answers", body = HealthBody))
)]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthBody { status: "ok" })
}

/// Ready for traffic: the database answers and has every migration; Redis
/// is reported but not required.
#[utoipa::path(
    get,
    path = "/health/ready/",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = ReadinessBody),
        (status = 503, description = "Migrations pending, or the database does not answer",
            body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let readiness = state.health.readiness().await?;
    if !readiness.ready() {
        return Err(AppError::NotReady(format!(
            "migrations pending: {}",
            readiness.pending_migrations.join(", ")
        )));
    }
    Ok(HttpResponse::Ok().json(ReadinessBody::ready(readiness.redis)))
}

/// The readiness check under its first name.
#[utoipa::path(
    get,
    path = "/health/",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = ReadinessBody),
        (status = 503, description = "Migrations pending, or the database does not answer",
            body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
pub async fn health(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    ready(state).await
}
