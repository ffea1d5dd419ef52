//! `/auth/login/` and `/auth/logout/`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use blog_services::ServiceError;

use super::{json_or_form_body, read_body};
use crate::auth::bearer_token;
use crate::client::client_address;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;
use crate::wire::auth::{LoginBody, TokenBody};

/// The largest login body read: credentials are small, and nobody is
/// authenticated yet.
pub const LOGIN_MAX_BODY: usize = 4 * 1024;

/// Exchanges a username and password for an API token.
#[utoipa::path(
    post,
    path = "/auth/login/",
    tag = "auth",
    request_body(content(
        (LoginBody = "application/json"),
        (LoginBody = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Logged in", body = TokenBody),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Unknown user or wrong password", body = ErrorBody),
        (status = 413, description = "Body over 4 KB", body = ErrorBody),
        (status = 415, description = "Neither JSON nor a form", body = ErrorBody),
        (status = 422, description = "A NUL in the username or password", body = ErrorBody),
        (status = 429, description = "Too many failed logins from this address or for this username", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds until the client may try again"))),
        (status = 503, description = "Every password check is busy, or the database does not answer in time", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body = read_body(&req, payload, LOGIN_MAX_BODY).await?;
    let credentials: LoginBody = json_or_form_body(&req, &body)?;
    let client = client_address(&req, &state.server.trusted_proxies);
    let token = state
        .auth
        .login(&credentials.username, &credentials.password, client)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenBody { token }))
}

/// Revokes the request's Bearer token.
#[utoipa::path(
    post,
    path = "/auth/logout/",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The token no longer works"),
        (status = 401, description = "No or an unknown token", body = ErrorBody),
    )
)]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let token = bearer_token(&req).ok_or_else(|| {
        ServiceError::Unauthorized("an Authorization: Bearer token is required".into())
    })?;
    state.auth.logout(&token).await?;
    Ok(HttpResponse::NoContent().finish())
}
