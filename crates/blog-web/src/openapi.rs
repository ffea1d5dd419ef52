//! The OpenAPI document of the JSON endpoints, served at `/api/openapi.json`.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::handlers::{api, auth, dashboard, health, monitoring};

/// Every annotated JSON handler; add new ones to `paths`.
#[derive(OpenApi)]
#[openapi(
    info(title = "blog", description = "The JSON interface of the blog service."),
    paths(
        api::post_list,
        api::post_detail,
        api::create_post,
        api::update_post,
        api::delete_post,
        api::like,
        api::unlike,
        api::comment,
        api::approve,
        auth::login,
        auth::logout,
        dashboard::dashboard,
        monitoring::report,
        health::health,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "posts", description = "Reading and writing posts"),
        (name = "comments", description = "Commenting and approving comments"),
        (name = "auth", description = "API tokens"),
        (name = "dashboard", description = "A user's dashboard"),
        (name = "operations", description = "Running the service"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme the write endpoints name.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
