//! The OpenAPI document of the RealWorld API, served at
//! `/conduit/api/openapi.json`: the service's own account of what it
//! accepts (every field's rules, from the services' limits) and answers,
//! which the fuzzer (`scripts/fuzz-api`) holds it to. The specification's
//! own file describes the API in general; this one describes this server.

use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{articles, comments, profiles, users};

/// Every operation of the API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "blog: the RealWorld (Conduit) API",
        description = "The RealWorld specification's API over the blog's posts: articles are \
                       posts, favorites are likes. Send `Authorization: Token <token>` (or \
                       `Bearer`) where an operation names the `token` scheme."
    ),
    paths(
        users::register,
        users::login,
        users::current,
        users::update,
        profiles::profile,
        profiles::follow,
        profiles::unfollow,
        articles::list,
        articles::feed,
        articles::article,
        articles::create,
        articles::update,
        articles::delete,
        articles::favorite,
        articles::unfavorite,
        articles::tags,
        comments::list,
        comments::add,
        comments::delete,
    ),
    modifiers(&TokenAuth, &Unavailable),
    tags((name = "conduit", description = "The RealWorld API")),
)]
pub struct ConduitDoc;

/// Declares the `token` scheme: `Authorization: Token <token>`, which no
/// standard HTTP scheme describes, so an API key in that header.
struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Token <token>` (or `Bearer <token>`), the token of a sign-in or a registration",
            ))),
        );
    }
}

/// A 503 on every operation: each reads the database.
struct Unavailable;

impl Modify for Unavailable {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        crate::openapi::add_unavailable(openapi, "ConduitErrorBody");
    }
}

/// `GET /conduit/api/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ConduitDoc::openapi())
}
