//! `/profiles/{username}` and its `/follow`: a user as the reader sees them,
//! following and no longer following them.

use actix_web::{HttpResponse, web};

use super::auth::{Reader, SignedIn};
use super::error::ConduitError;
use super::error::ConduitErrorBody;
use super::ok;
use super::wire::ProfileResponse;
use crate::state::AppState;

/// `GET /profiles/{username}`.
#[utoipa::path(
    get,
    path = "/conduit/api/profiles/{username}",
    operation_id = "conduit_profile",
    tag = "conduit",
    security((), ("token" = [])),
    params(("username" = String, Path, description = "The user's name")),
    responses(
        (status = 200, description = "The profile, `following` as the reader sees it", body = ProfileResponse),
        (status = 401, description = "An unknown token (none is fine)", body = ConduitErrorBody),
        (status = 404, description = "No such user", body = ConduitErrorBody),
    )
)]
pub async fn profile(
    state: web::Data<AppState>,
    reader: Reader,
    username: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    let profile = state.profiles.profile(&username, reader.0.as_ref()).await?;
    ok(ProfileResponse {
        profile: profile.into(),
    })
}

/// `POST /profiles/{username}/follow`.
#[utoipa::path(
    post,
    path = "/conduit/api/profiles/{username}/follow",
    operation_id = "conduit_follow",
    tag = "conduit",
    security(("token" = [])),
    params(("username" = String, Path, description = "The user to follow")),
    responses(
        (status = 200, description = "Followed (already followed is fine)", body = ProfileResponse),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
        (status = 404, description = "No such user", body = ConduitErrorBody),
    )
)]
pub async fn follow(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    username: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    following(&state, &signed_in, &username, true).await
}

/// `DELETE /profiles/{username}/follow`.
#[utoipa::path(
    delete,
    path = "/conduit/api/profiles/{username}/follow",
    operation_id = "conduit_unfollow",
    tag = "conduit",
    security(("token" = [])),
    params(("username" = String, Path, description = "The user to stop following")),
    responses(
        (status = 200, description = "No longer followed (not followed is fine)", body = ProfileResponse),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
        (status = 404, description = "No such user", body = ConduitErrorBody),
    )
)]
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
    ok(ProfileResponse {
        profile: profile.into(),
    })
}
