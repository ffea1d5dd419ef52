//! `Authorization: Bearer <token>`: the extractor that turns the header into the
//! user it belongs to (one statement), or a 401.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use blog_services::ServiceError;
use blog_services::auth::AuthUser;

use crate::error::AppError;
use crate::state::AppState;

/// The authenticated user of a request; handlers that take it require a token.
#[derive(Debug, Clone)]
pub struct Authenticated(pub AuthUser);

/// The token of `Authorization: Bearer <token>`, if the header has that form.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The cookie a browser carries an admin's token in, for the monitoring pages
/// only (set by the sign-in form: HttpOnly, SameSite=Strict). No write ever
/// reads it, so no cross-site request can change data with it.
pub const TOKEN_COOKIE: &str = "blog_token";

/// Allowed to read the monitoring endpoints: anyone when they are public,
/// otherwise an admin's token (Bearer header, or the `blog_token` cookie).
#[derive(Debug, Clone)]
pub struct MonitoringReader;

impl MonitoringReader {
    /// Whether `token` (from `req`) may read monitoring: 401 without one,
    /// 403 for a non-admin's.
    pub async fn authorize(state: &AppState, token: Option<String>) -> Result<Self, AppError> {
        if state.monitoring_config.public {
            return Ok(MonitoringReader);
        }
        let token = token.ok_or_else(|| {
            ServiceError::Unauthorized("monitoring needs an admin's Bearer token".into())
        })?;
        let user = state.auth.authenticate(&token).await?;
        if user.is_admin {
            Ok(MonitoringReader)
        } else {
            Err(ServiceError::Forbidden("monitoring is for admins".into()).into())
        }
    }

    /// The token a request carries for monitoring: the Bearer header, or the cookie.
    pub fn token(req: &HttpRequest) -> Option<String> {
        bearer_token(req).or_else(|| req.cookie(TOKEN_COOKIE).map(|c| c.value().to_owned()))
    }
}

impl FromRequest for MonitoringReader {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = MonitoringReader::token(req);
        Box::pin(async move {
            let state = state.expect("AppState is registered with the app");
            MonitoringReader::authorize(&state, token).await
        })
    }
}

impl FromRequest for Authenticated {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.expect("AppState is registered with the app");
            let token = token.ok_or_else(|| {
                ServiceError::Unauthorized("an Authorization: Bearer token is required".into())
            })?;
            Ok(Authenticated(state.auth.authenticate(&token).await?))
        })
    }
}
