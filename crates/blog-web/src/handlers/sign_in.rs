//! Signing in to the monitoring pages from a browser: a form that sets an
//! HttpOnly, SameSite=Strict cookie holding an administrator's token (Secure
//! when a trusted proxy says the client came over HTTPS), and a sign-out that
//! revokes it. The cookie authorizes the monitoring pages only: every write
//! reads the `Authorization` header alone.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use blog_services::ServiceError;
use serde::Deserialize;

use super::auth::LOGIN_MAX_BODY;
use super::{json_or_form_body, read_body};
use crate::auth::{MonitoringReader, TOKEN_COOKIE};
use crate::client::{client_address, forwarded_https};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{MonitoringLoginPage, html};
use crate::wire::auth::LoginBody;

/// Where the form is.
const SIGN_IN: &str = "/monitoring/login/";

/// The query of the form page: `?failed` after a rejected attempt.
#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    failed: Option<String>,
}

/// `GET /monitoring/login/`: the form.
pub async fn form(query: web::Query<SignInQuery>) -> Result<HttpResponse, AppError> {
    let mut page = html(&MonitoringLoginPage {
        failed: query.failed.is_some(),
    })?;
    no_store(&mut page);
    Ok(page)
}

/// `POST /monitoring/login/`: an administrator's credentials set the cookie
/// and lead to the charts; anything else leads back to the form.
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body = read_body(&req, payload, LOGIN_MAX_BODY).await?;
    let credentials: LoginBody = json_or_form_body(&req, &body)?;
    let client = client_address(&req, &state.server.trusted_proxies);
    let token = match state
        .auth
        .login_admin(&credentials.username, &credentials.password, client)
        .await
    {
        Ok(token) => token,
        Err(ServiceError::Unauthorized(_) | ServiceError::Forbidden(_)) => {
            return Ok(see_other(&format!("{SIGN_IN}?failed")));
        }
        Err(other) => return Err(other.into()),
    };
    let cookie = Cookie::build(TOKEN_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(forwarded_https(&req, &state.server.trusted_proxies))
        .finish();
    let mut response = see_other("/monitoring/");
    response
        .add_cookie(&cookie)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    Ok(response)
}

/// `POST /monitoring/logout/`: revokes the cookie's token and clears it.
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    if let Some(cookie) = req.cookie(TOKEN_COOKIE) {
        match state.auth.logout(cookie.value()).await {
            Ok(()) | Err(ServiceError::Unauthorized(_)) => {}
            Err(other) => return Err(other.into()),
        }
    }
    let mut response = see_other(SIGN_IN);
    let mut expired = Cookie::build(TOKEN_COOKIE, "").path("/").finish();
    expired.make_removal();
    response
        .add_removal_cookie(&expired)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    Ok(response)
}

/// `GET /monitoring/` without a way in: to the form, for a browser.
pub async fn or_sign_in(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<HttpResponse>, AppError> {
    match MonitoringReader::authorize(state, MonitoringReader::token(req)).await {
        Ok(_) => Ok(None),
        Err(AppError::Service(ServiceError::Unauthorized(_))) => Ok(Some(see_other(SIGN_IN))),
        Err(other) => Err(other),
    }
}

/// 303 See Other to `location`, never cached.
fn see_other(location: &str) -> HttpResponse {
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish();
    no_store(&mut response);
    response
}

fn no_store(response: &mut HttpResponse) {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
}
