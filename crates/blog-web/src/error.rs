//! One place maps every error to its HTTP status and body: JSON
//! (`{"error": "..."}`) under `/api/`, `/auth/` and `/health/`, the
//! RealWorld API's shape under `/conduit/` (its own errors are written by
//! `crate::conduit::error`, with the statuses of [`service_status`]), an
//! HTML page elsewhere. A 5xx is logged once, here, with its whole cause
//! chain.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use blog_services::ServiceError;
use blog_services::error::chain;
use serde::Serialize;

use crate::conduit::error::{ConduitError, ConduitErrorBody};
use crate::conduit::is_conduit_path;
use crate::views::ErrorPage;

/// An error a handler returns; `?` converts service and template errors.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// What a service refused or failed to do.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The request itself is malformed (a parameter that does not parse).
    #[error("{0}")]
    BadRequest(String),
    /// No page or resource at this address.
    #[error("{0}")]
    NotFound(String),
    /// The body is not in a format this endpoint reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body is larger than this endpoint reads.
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// The request line is longer than the server reads.
    #[error("the request line is longer than {0} bytes")]
    UriTooLong(usize),
    /// The request accepts no encoding the server can send (`identity;q=0`).
    #[error("{0}")]
    NotAcceptable(String),
    /// The request's header fields are too many or too long.
    #[error("request header fields too large: {0}")]
    HeadersTooLarge(String),
    /// The instance must not take traffic yet (migrations pending): 503.
    #[error("not ready: {0}")]
    NotReady(String),
    /// A page template failed to render: a bug, 500.
    #[error("rendering the page failed")]
    Template(#[from] askama::Error),
    /// A JSON body failed to encode: a bug, 500.
    #[error("encoding the JSON body failed")]
    Encode(#[from] serde_json::Error),
    /// The request ran one statement shape more often than the threshold, and
    /// the detector is strict (the tests' setting): 500.
    #[error("N+1 query detected on {route}: {count} x {shape}")]
    NPlusOne {
        /// The route pattern.
        route: String,
        /// How often the shape ran.
        count: u32,
        /// The statement shape.
        shape: String,
    },
}

/// The status of a service error, for both APIs.
pub fn service_status(err: &ServiceError) -> StatusCode {
    match err {
        ServiceError::BadRequest(_) => StatusCode::BAD_REQUEST,
        ServiceError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        ServiceError::Forbidden(_) | ServiceError::NotYours(_) => StatusCode::FORBIDDEN,
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Conflict(_) | ServiceError::Taken(_) => StatusCode::CONFLICT,
        ServiceError::NotFound(_) | ServiceError::NoSuch(_) => StatusCode::NOT_FOUND,
        ServiceError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Unavailable(_) | ServiceError::Overloaded { .. } => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What a client may read of a service error: never the internals of a 5xx.
pub fn service_message(err: &ServiceError) -> String {
    match err {
        ServiceError::Unavailable(_) => "database unavailable".into(),
        ServiceError::Internal(_) => "internal server error".into(),
        other => other.to_string(),
    }
}

impl AppError {
    /// The message a client may see: never internals of a 5xx.
    pub(crate) fn public_message(&self) -> String {
        match self {
            AppError::Service(err) => service_message(err),
            AppError::Template(_) | AppError::Encode(_) => "internal server error".into(),
            // The statement shape is in the log and the debug header, not the body.
            AppError::NPlusOne { route, count, .. } => {
                format!("N+1 query detected on {route}: one statement ran {count} times")
            }
            other => other.to_string(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Service(err) => service_status(err),
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            AppError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            AppError::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Template(_) | AppError::Encode(_) | AppError::NPlusOne { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        // The body is written by `render_errors`, which knows the request's path.
        let mut response = HttpResponse::new(self.status_code());
        if self.status_code() == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let AppError::Service(
            ServiceError::TooManyRequests { retry_after }
            | ServiceError::Overloaded { retry_after },
        ) = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds(*retry_after));
        }
        response
    }
}

/// `Retry-After`'s value: whole seconds, rounded up, at least 1.
pub fn seconds(wait: Duration) -> HeaderValue {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    HeaderValue::from(secs.max(1))
}

/// The JSON error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person to read.
    pub error: String,
    /// On 422: what is wrong with each invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

impl AppError {
    /// Per-field problems, for a 422.
    fn fields(&self) -> Option<BTreeMap<String, String>> {
        match self {
            AppError::Service(ServiceError::Invalid(fields)) => Some(
                fields
                    .iter()
                    .map(|(field, problem)| ((*field).to_owned(), problem.clone()))
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// How a path's errors are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStyle {
    /// An HTML page (the site).
    Page,
    /// `{"error": ..., "fields": ...}` (`/api/`, `/auth/`, `/health/`:
    /// clients that are programs).
    Json,
    /// `{"errors": {"<key>": ["<message>"]}}` (the RealWorld API).
    Conduit,
}

impl ErrorStyle {
    /// The style of `path`'s errors.
    pub fn of(path: &str) -> ErrorStyle {
        if is_conduit_path(path) {
            ErrorStyle::Conduit
        } else if ["/api/", "/auth/", "/health/"]
            .iter()
            .any(|prefix| path.starts_with(prefix))
        {
            ErrorStyle::Json
        } else {
            ErrorStyle::Page
        }
    }
}

/// Gives every 4xx/5xx response, ours or actix's (404, 405, a query string
/// that does not parse, ...), the body its path calls for (`style`); a 503
/// says when to come back (`retry_after`, unless it said already); a 5xx is
/// logged with its cause chain. Other responses pass unchanged, and so do
/// the RealWorld API's own errors, which carry their body.
pub fn render_errors(
    res: ServiceResponse<BoxBody>,
    style: ErrorStyle,
    retry_after: Duration,
) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let error = res.response().error();
    if status.is_server_error()
        && let Some(err) = error
    {
        let cause = match (err.as_error::<AppError>(), err.as_error::<ConduitError>()) {
            (Some(app), _) => chain(app),
            (_, Some(conduit)) => chain(conduit),
            _ => err.to_string(),
        };
        tracing::error!(status = status.as_u16(), error = %cause, "request failed");
    }
    let shaped = error.is_some_and(|err| err.as_error::<ConduitError>().is_some());
    if shaped {
        return with_retry_after(res, retry_after);
    }
    let (message, fields) = match error {
        Some(err) => match err.as_error::<AppError>() {
            Some(app) => (app.public_message(), app.fields()),
            None if status.is_client_error() => (err.to_string(), None),
            None => ("internal server error".into(), None),
        },
        None => (
            status.canonical_reason().unwrap_or("error").to_lowercase(),
            None,
        ),
    };
    let body = match style {
        ErrorStyle::Json => {
            let body = ErrorBody {
                error: message,
                fields,
            };
            (
                serde_json::to_string(&body).unwrap_or_default(),
                "application/json",
            )
        }
        ErrorStyle::Conduit => {
            let body = ConduitErrorBody::one("body", message);
            (
                serde_json::to_string(&body).unwrap_or_default(),
                "application/json",
            )
        }
        ErrorStyle::Page => {
            let page = ErrorPage {
                status: status.as_u16(),
                title: status.canonical_reason().unwrap_or("Error"),
                message: &message,
            };
            match page.render() {
                Ok(html) => (html, "text/html; charset=utf-8"),
                Err(_) => (message, "text/plain; charset=utf-8"),
            }
        }
    };
    let (request, response) = res.into_parts();
    let mut replaced = HttpResponse::with_body(status, body.0).map_into_boxed_body();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replaced.headers_mut().append(name.clone(), value.clone());
        }
    }
    replaced
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(body.1));
    with_retry_after(ServiceResponse::new(request, replaced), retry_after)
}

/// Every 503 says when to come back: the pool's wait, unless it said already.
fn with_retry_after(
    mut res: ServiceResponse<BoxBody>,
    retry_after: Duration,
) -> ServiceResponse<BoxBody> {
    if res.status() == StatusCode::SERVICE_UNAVAILABLE
        && !res.headers().contains_key(header::RETRY_AFTER)
    {
        res.headers_mut()
            .insert(header::RETRY_AFTER, seconds(retry_after));
    }
    res
}
