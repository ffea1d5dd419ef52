//! Logging in on the wire.

use serde::{Deserialize, Serialize};

/// Credentials, as JSON or as form fields. Its `Debug` hides the password.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    /// The username.
    pub username: String,
    /// The password.
    pub password: String,
}

/// A new API token: send it as `Authorization: Bearer <token>`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenBody {
    /// 64 hex characters.
    pub token: String,
}

impl std::fmt::Debug for LoginBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginBody")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}
