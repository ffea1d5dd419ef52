//! `/users`, `/users/login`, `/user`: registering, signing in, one's account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use blog_services::ServiceError;

use super::auth::SignedIn;
use super::error::ConduitError;
use super::error::ConduitErrorBody;
use super::requests::{LoginRequest, NewUserRequest, UpdateUserRequest};
use super::wire::{UserOut, UserResponse};
use super::{body, ok};
use crate::client::client_address;
use crate::state::AppState;

/// `POST /users`: a new account, 201 with its token.
#[utoipa::path(
    post,
    path = "/conduit/api/users",
    operation_id = "conduit_register",
    tag = "conduit",
    request_body = NewUserRequest,
    responses(
        (status = 201, description = "Registered", body = UserResponse),
        (status = 400, description = "Malformed JSON, or a body that could not be read", body = ConduitErrorBody),
        (status = 409, description = "The username or the address is taken", body = ConduitErrorBody),
        (status = 413, description = "Body over 1 MB", body = ConduitErrorBody),
        (status = 415, description = "Not JSON", body = ConduitErrorBody),
        (status = 422, description = "Invalid fields, each named", body = ConduitErrorBody),
    )
)]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: NewUserRequest = body(&state, &req, payload).await?;
    let (account, token) = state.auth.register(&form.user.into()).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(UserResponse {
        user: UserOut::new(account, token),
    }))
}

/// `POST /users/login`: a token for the right address and password.
#[utoipa::path(
    post,
    path = "/conduit/api/users/login",
    operation_id = "conduit_login",
    tag = "conduit",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = UserResponse),
        (status = 400, description = "Malformed JSON, or a body that could not be read", body = ConduitErrorBody),
        (status = 401, description = "Unknown address or wrong password", body = ConduitErrorBody),
        (status = 413, description = "Body over 1 MB", body = ConduitErrorBody),
        (status = 415, description = "Not JSON", body = ConduitErrorBody),
        (status = 422, description = "An empty field, or one with NUL", body = ConduitErrorBody),
        (status = 429, description = "Too many failed sign-ins from this address or for this account", body = ConduitErrorBody,
            headers(("Retry-After" = u32, description = "Seconds until the client may try again"))),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: LoginRequest = body(&state, &req, payload).await?;
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
    ok(UserResponse {
        user: UserOut::new(account, token),
    })
}

/// `GET /user`: one's own account.
#[utoipa::path(
    get,
    path = "/conduit/api/user",
    operation_id = "conduit_current_user",
    tag = "conduit",
    security(("token" = [])),
    responses(
        (status = 200, description = "The account", body = UserResponse),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
    )
)]
pub async fn current(
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, ConduitError> {
    let account = state.auth.account(&signed_in.user).await?;
    ok(UserResponse {
        user: UserOut::new(account, signed_in.token),
    })
}

/// `PUT /user`: changes one's own account.
#[utoipa::path(
    put,
    path = "/conduit/api/user",
    operation_id = "conduit_update_user",
    tag = "conduit",
    security(("token" = [])),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Changed", body = UserResponse),
        (status = 400, description = "Malformed JSON, or a body that could not be read", body = ConduitErrorBody),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
        (status = 409, description = "The username or the address is someone else's", body = ConduitErrorBody),
        (status = 413, description = "Body over 1 MB", body = ConduitErrorBody),
        (status = 415, description = "Not JSON", body = ConduitErrorBody),
        (status = 422, description = "Invalid fields, each named", body = ConduitErrorBody),
    )
)]
pub async fn update(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: UpdateUserRequest = body(&state, &req, payload).await?;
    let account = state
        .auth
        .update_account(&signed_in.user, &form.user.into())
        .await?;
    ok(UserResponse {
        user: UserOut::new(account, signed_in.token),
    })
}
