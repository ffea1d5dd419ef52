//! The RealWorld ("Conduit") API under `/conduit/api/`: the public
//! specification of a blog platform that dozens of front ends speak, served
//! over the same services, repositories and cache as the service's own
//! pages and API (one data model: articles are posts, favorites are likes).
//! Its own error shape ([`error`]), its own token scheme ([`auth`]), its own
//! bodies ([`wire`]), and CORS, so that a front end on another origin can
//! call it (tokens travel in a header, never a cookie, so any origin may).
//!
//! | module | routes |
//! |---|---|
//! | [`users`] | `/users`, `/users/login`, `/user` |
//! | [`profiles`] | `/profiles/{username}`, `/profiles/{username}/follow` |
//! | [`articles`] | `/articles`, `/articles/feed`, `/articles/{slug}`, `.../favorite`, `/tags` |
//! | [`comments`] | `/articles/{slug}/comments`, `.../comments/{id}` |
//! | [`openapi`] | `/openapi.json`: this API's OpenAPI document |

pub mod articles;
pub mod auth;
pub mod comments;
pub mod error;
pub mod openapi;
pub mod profiles;
pub mod requests;
pub mod schemas;
pub mod users;
pub mod wire;

use actix_cors::Cors;
use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde::de::DeserializeOwned;

use self::error::ConduitError;
use crate::handlers::{json_body, read_body};
use crate::request_metrics::RouteMetrics;
use crate::state::AppState;

/// Where the API is mounted.
pub const PREFIX: &str = "/conduit/api";

/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE_S: usize = 3600;

/// Every route of the API, in a scope with CORS.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let cors = Cors::default()
        .allow_any_origin()
        .allowed_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .max_age(PREFLIGHT_MAX_AGE_S);
    cfg.service(
        web::scope(PREFIX)
            .wrap(cors)
            .service(resource("/conduit/api/users").route(web::post().to(users::register)))
            .service(resource("/conduit/api/users/login").route(web::post().to(users::login)))
            .service(
                resource("/conduit/api/user")
                    .route(web::get().to(users::current))
                    .route(web::put().to(users::update)),
            )
            .service(
                resource("/conduit/api/profiles/{username}")
                    .route(web::get().to(profiles::profile)),
            )
            .service(
                resource("/conduit/api/profiles/{username}/follow")
                    .route(web::post().to(profiles::follow))
                    .route(web::delete().to(profiles::unfollow)),
            )
            .service(
                resource("/conduit/api/articles")
                    .route(web::get().to(articles::list))
                    .route(web::post().to(articles::create)),
            )
            .service(resource("/conduit/api/articles/feed").route(web::get().to(articles::feed)))
            .service(
                resource("/conduit/api/articles/{slug}")
                    .route(web::get().to(articles::article))
                    .route(web::put().to(articles::update))
                    .route(web::delete().to(articles::delete)),
            )
            .service(
                resource("/conduit/api/articles/{slug}/favorite")
                    .route(web::post().to(articles::favorite))
                    .route(web::delete().to(articles::unfavorite)),
            )
            .service(
                resource("/conduit/api/articles/{slug}/comments")
                    .route(web::get().to(comments::list))
                    .route(web::post().to(comments::add)),
            )
            .service(
                resource("/conduit/api/articles/{slug}/comments/{id}")
                    .route(web::delete().to(comments::delete)),
            )
            .service(resource("/conduit/api/tags").route(web::get().to(articles::tags)))
            .service(resource("/conduit/api/openapi.json").route(web::get().to(openapi::document))),
    );
}

/// The resource at `path` (under [`PREFIX`]), in the scope, labelled with
/// its whole path.
fn resource(path: &'static str) -> actix_web::Resource {
    web::resource(path.strip_prefix(PREFIX).unwrap_or(path)).app_data(RouteMetrics::new(path))
}

/// The request's JSON body, read once the handler is ready for it (after
/// authentication), within the body limit.
async fn body<T: DeserializeOwned>(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ConduitError> {
    let bytes = read_body(req, payload, state.server.limits.body).await?;
    Ok(json_body(req, &bytes)?)
}

/// A 200 with `body` as JSON.
fn ok(body: impl Serialize) -> Result<HttpResponse, ConduitError> {
    Ok(HttpResponse::Ok().json(body))
}

/// True for the API's paths: their errors have its shape.
pub fn is_conduit_path(path: &str) -> bool {
    path.starts_with("/conduit/")
}
