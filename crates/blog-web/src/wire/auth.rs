//! Logging in on the wire.

use serde::{Deserialize, Serialize};

/// Credentials, as JSON or as form fields (the body is at most 4 KB). Its
/// `Debug` hides the password.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    /// The username: at most 150 characters, no NUL.
    #[schema(max_length = 150, pattern = r"^[^\u0000]*$")]
    pub username: String,
    /// The password: at most 128 characters, no NUL.
    #[schema(max_length = 128, pattern = r"^[^\u0000]*$")]
    pub password: String,
}

/// A new API token: send it as `Authorization: Bearer <token>`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenBody {
    /// 64 hex characters.
    #[schema(min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$")]
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
