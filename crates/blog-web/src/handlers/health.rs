//! `GET /health/`: 200 when the database answers, 503 otherwise.

use actix_web::{HttpResponse, web};

use crate::error::{AppError, ErrorBody};
use crate::state::AppState;
use crate::wire::HealthBody;

/// Checks the database with one round trip.
#[utoipa::path(
    get,
    path = "/health/",
    tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = HealthBody),
        (status = 503, description = "The database does not answer", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
pub async fn health(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.health.check().await?;
    Ok(HttpResponse::Ok().json(HealthBody { status: "ok" }))
}
