//! The OpenAPI document of the JSON endpoints, served at `/api/openapi.json`.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use crate::handlers::{api, health};

/// Every annotated JSON handler; add new ones to `paths`.
#[derive(OpenApi)]
#[openapi(
    info(title = "blog", description = "The JSON interface of the blog service."),
    paths(api::post_list, api::post_detail, health::health),
    tags(
        (name = "posts", description = "Reading posts"),
        (name = "operations", description = "Running the service"),
    )
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
