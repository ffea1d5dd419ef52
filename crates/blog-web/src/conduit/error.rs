//! The RealWorld API's errors: `{"errors": {"<key>": ["<message>"]}}`, with
//! the keys and messages its clients check (`token` "is missing",
//! `credentials` "invalid", `<field>` "can't be blank" or "has already been
//! taken", `<kind>` "not found" or "forbidden"), its status codes, and
//! `WWW-Authenticate: Token` on every 401. Every service error maps here, in
//! one place, as the service's own API maps them in `crate::error`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use blog_services::ServiceError;
use serde::Serialize;

use crate::error::{AppError, seconds, service_message, service_status};

/// Why a RealWorld API request failed.
#[derive(Debug, thiserror::Error)]
pub enum ConduitError {
    /// No `Authorization: Token ...` header: 401.
    #[error("no token")]
    MissingToken,
    /// A token that is unknown or expired: 401.
    #[error("invalid token")]
    BadToken,
    /// An unknown address or a wrong password: 401.
    #[error("invalid credentials")]
    BadCredentials,
    /// What the services said.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The request itself (its body, its parameters): the web layer's own.
    #[error(transparent)]
    Request(#[from] AppError),
}

/// The error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConduitErrorBody {
    /// Each key's messages.
    pub errors: BTreeMap<String, Vec<String>>,
}

impl ConduitErrorBody {
    /// `{"errors": {key: [message]}}`.
    pub fn one(key: &str, message: impl Into<String>) -> Self {
        ConduitErrorBody {
            errors: BTreeMap::from([(key.to_owned(), vec![message.into()])]),
        }
    }
}

impl ConduitError {
    /// The key and message of the body, or the fields of a 422.
    fn body(&self) -> ConduitErrorBody {
        let one = |key: &str, message: &str| ConduitErrorBody::one(key, message);
        match self {
            ConduitError::MissingToken => one("token", "is missing"),
            ConduitError::BadToken => one("token", "is invalid"),
            ConduitError::BadCredentials => one("credentials", "invalid"),
            ConduitError::Service(ServiceError::Invalid(fields)) => ConduitErrorBody {
                errors: fields
                    .iter()
                    .map(|(field, problem)| ((*field).to_owned(), vec![problem.clone()]))
                    .collect(),
            },
            ConduitError::Service(ServiceError::Taken(field)) => {
                one(field, "has already been taken")
            }
            ConduitError::Service(ServiceError::NoSuch(kind)) => one(kind, "not found"),
            ConduitError::Service(ServiceError::NotYours(kind)) => one(kind, "forbidden"),
            ConduitError::Service(err) => one("body", &service_message(err)),
            ConduitError::Request(err) => one("body", &err.public_message()),
        }
    }
}

impl ResponseError for ConduitError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConduitError::MissingToken | ConduitError::BadToken | ConduitError::BadCredentials => {
                StatusCode::UNAUTHORIZED
            }
            ConduitError::Service(ServiceError::Invalid(_) | ServiceError::BadRequest(_)) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ConduitError::Service(err) => service_status(err),
            ConduitError::Request(err) => err.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut response = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Token")));
        }
        if let ConduitError::Service(
            ServiceError::TooManyRequests { retry_after }
            | ServiceError::Overloaded { retry_after },
        ) = self
        {
            response.insert_header((header::RETRY_AFTER, seconds(*retry_after)));
        }
        response.json(self.body())
    }
}
