//! `/users`, `/users/login`, `/user`: registering, signing in, one's account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use blog_services::ServiceError;

use super::auth::SignedIn;
use super::error::ConduitError;
use super::wire::{LoginUser, NewUser, UpdateUser, UserEnvelope, UserOut};
use super::{body, ok};
use crate::client::client_address;
use crate::state::AppState;

/// `POST /users`: a new account, 201 with its token.
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: UserEnvelope<NewUser> = body(&state, &req, payload).await?;
    let (account, token) = state.auth.register(&form.user.into()).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(UserEnvelope {
        user: UserOut::new(account, token),
    }))
}

/// `POST /users/login`: a token for the right address and password.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: UserEnvelope<LoginUser> = body(&state, &req, payload).await?;
    let client = client_address(&req, &state.server.trusted_proxies);
    let signed_in = state
        .auth
        .login_by_email(
            form.user.email.as_deref(),
            form.user.password.as_deref(),
            client,
        )
        .await;
    let (account, token) = signed_in.map_err(|err| match err {
        ServiceError::Unauthorized(_) => ConduitError::BadCredentials,
        other => other.into(),
    })?;
    ok(UserEnvelope {
        user: UserOut::new(account, token),
    })
}

/// `GET /user`: one's own account.
pub async fn current(
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, ConduitError> {
    let account = state.auth.account(&signed_in.user).await?;
    ok(UserEnvelope {
        user: UserOut::new(account, signed_in.token),
    })
}

/// `PUT /user`: changes one's own account.
pub async fn update(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: UserEnvelope<UpdateUser> = body(&state, &req, payload).await?;
    let account = state
        .auth
        .update_account(&signed_in.user, &form.user.into())
        .await?;
    ok(UserEnvelope {
        user: UserOut::new(account, signed_in.token),
    })
}
