//! `GET /api/dashboard/`.

use actix_web::{HttpResponse, web};

use crate::auth::Authenticated;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;
use crate::wire::dashboard::DashboardBody;

/// The token user's stats, newest posts, daily analytics and external data,
/// fetched concurrently; a part that fails is `{"error": "..."}`.
#[utoipa::path(
    get,
    path = "/api/dashboard/",
    tag = "dashboard",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dashboard", body = DashboardBody),
        (status = 401, description = "No or a bad token", body = ErrorBody),
    )
)]
pub async fn dashboard(
    state: web::Data<AppState>,
    user: Authenticated,
) -> Result<HttpResponse, AppError> {
    let dashboard = state.dashboard.load(&user.0).await;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(DashboardBody::from(dashboard)))
}
