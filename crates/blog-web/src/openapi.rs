//! The OpenAPI document of the JSON endpoints, served at `/api/openapi.json`.

use actix_web::HttpResponse;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref};
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
        health::live,
        health::ready,
    ),
    modifiers(&BearerAuth, &Unavailable),
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

/// Lists a 503 on every operation that does not describe its own: each one
/// reads the database (a token, a page, a post), and a database that does not
/// answer within the pool's wait is a 503 with `Retry-After`.
struct Unavailable;

impl Modify for Unavailable {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        add_unavailable(openapi, "ErrorBody");
    }
}

/// Adds a 503 with `Retry-After` and a body of schema `error_schema` to
/// every operation of `openapi` that does not list one (both APIs' documents
/// use it: a database that does not answer in time is a 503 anywhere).
pub fn add_unavailable(openapi: &mut utoipa::openapi::OpenApi, error_schema: &str) {
    let retry_after = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1)),
        ))
        .description(Some("Seconds to wait before retrying"))
        .build();
    let response = ResponseBuilder::new()
        .description("The database does not answer in time")
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name(error_schema))),
        )
        .header("Retry-After", retry_after)
        .build();
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            operation
                .responses
                .responses
                .entry("503".to_owned())
                .or_insert_with(|| response.clone().into());
        }
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
