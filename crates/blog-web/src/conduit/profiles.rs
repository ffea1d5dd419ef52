//! `/profiles/{username}` and its `/follow`: a user as the reader sees them,
//! following and no longer following them.

use actix_web::{HttpResponse, web};

use super::auth::{Reader, SignedIn};
use super::error::ConduitError;
use super::ok;
use super::wire::ProfileEnvelope;
use crate::state::AppState;

/// `GET /profiles/{username}`.
pub async fn profile(
    state: web::Data<AppState>,
    reader: Reader,
    username: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    let profile = state.profiles.profile(&username, reader.0.as_ref()).await?;
    ok(ProfileEnvelope {
        profile: profile.into(),
    })
}

/// `POST /profiles/{username}/follow`.
pub async fn follow(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    username: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    following(&state, &signed_in, &username, true).await
}

/// `DELETE /profiles/{username}/follow`.
pub async fn unfollow(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    username: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    following(&state, &signed_in, &username, false).await
}

async fn following(
    state: &AppState,
    signed_in: &SignedIn,
    username: &str,
    on: bool,
) -> Result<HttpResponse, ConduitError> {
    let profile = state.profiles.follow(&signed_in.user, username, on).await?;
    ok(ProfileEnvelope {
        profile: profile.into(),
    })
}
