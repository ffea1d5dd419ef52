//! `Authorization: Token <token>` (the RealWorld API's scheme; `Bearer` is
//! taken too): the signed-in user of a request (one statement), required
//! ([`SignedIn`]: 401 "token is missing" without one) or not ([`Reader`]).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use blog_services::ServiceError;
use blog_services::auth::AuthUser;

use super::error::ConduitError;
use crate::state::AppState;

/// The token of `Authorization: Token <t>` or `Bearer <t>`, if the header
/// has that form.
fn token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    let known = scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer");
    (known && !token.is_empty()).then(|| token.to_owned())
}

/// The user `token` belongs to: 401 "token is invalid" if none.
async fn user_of(state: &AppState, token: &str) -> Result<AuthUser, ConduitError> {
    state
        .auth
        .authenticate(token)
        .await
        .map_err(|err| match err {
            ServiceError::Unauthorized(_) => ConduitError::BadToken,
            other => ConduitError::Service(other),
        })
}

/// A signed-in user and the token they signed in with.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who.
    pub user: AuthUser,
    /// Their token (the account's responses carry it).
    pub token: String,
}

/// A reader: signed in, or anonymous without a token (a bad token is 401).
#[derive(Debug, Clone)]
pub struct Reader(pub Option<AuthUser>);

impl FromRequest for SignedIn {
    type Error = ConduitError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConduitError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = token(req);
        Box::pin(async move {
            let state = state.expect("AppState is registered with the app");
            let token = token.ok_or(ConduitError::MissingToken)?;
            let user = user_of(&state, &token).await?;
            Ok(SignedIn { user, token })
        })
    }
}

impl FromRequest for Reader {
    type Error = ConduitError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConduitError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = token(req);
        Box::pin(async move {
            let state = state.expect("AppState is registered with the app");
            match token {
                Some(token) => Ok(Reader(Some(user_of(&state, &token).await?))),
                None => Ok(Reader(None)),
            }
        })
    }
}
