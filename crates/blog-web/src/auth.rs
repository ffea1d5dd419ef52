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
