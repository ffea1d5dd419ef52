//! The JSON contract: every request and response body of the API, with its
//! OpenAPI schema, converted from and into the services' values. Changing a
//! field here changes the API; changing a service value does not, until a
//! conversion here says so.

pub mod auth;
pub mod dashboard;
pub mod monitoring;
pub mod posts;

use serde::Serialize;

/// The health check's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthBody {
    /// Always `ok` on a 200.
    pub status: &'static str,
}
