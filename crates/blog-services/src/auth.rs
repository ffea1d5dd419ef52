//! Logging in and out, and recognizing API tokens.
//!
//! A token is 32 random bytes (64 hex characters) handed to the client once;
//! the database keeps only its SHA-256, with an expiry, so a leaked table does
//! not leak sessions.

use std::time::Duration;

use blog_repositories::{DatabaseConnection, Writer, auth_token, user};
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::{PasswordHasher, ServiceError};

/// The same message for an unknown user and a wrong password.
const BAD_CREDENTIALS: &str = "invalid username or password";

/// The longest a token may live (ten years): longer lifetimes are refused at
/// start, so an expiry date is always representable.
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// The `auth` section of the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthConfig {
    /// How long an API token from `/auth/login/` stays valid (at most
    /// [`MAX_TOKEN_TTL`]).
    pub token_ttl: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            token_ttl: Duration::from_secs(720 * 3600),
        }
    }
}

/// Who a request is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// The user's id.
    pub id: i32,
    /// Their username.
    pub username: String,
    /// Admins may read the monitoring endpoints.
    pub is_admin: bool,
}

/// Backs `/auth/login/`, `/auth/logout/` and the `Authorization: Bearer` header.
/// Tokens are never cached, so their writes invalidate nothing.
#[derive(Debug, Clone)]
pub struct AuthService {
    db: DatabaseConnection,
    hasher: PasswordHasher,
    token_ttl: chrono::Duration,
    /// Verified against when the user does not exist, so both failures take as long.
    decoy_hash: String,
}

impl AuthService {
    /// Tokens live `config.token_ttl` (capped at [`MAX_TOKEN_TTL`]); passwords
    /// are checked with `hasher`.
    pub fn new(db: DatabaseConnection, hasher: PasswordHasher, config: &AuthConfig) -> Self {
        let decoy_hash = hasher.hash("decoy password, never a real one");
        let token_ttl = chrono::Duration::from_std(config.token_ttl.min(MAX_TOKEN_TTL))
            .expect("ten years fit in a chrono::Duration");
        AuthService {
            db,
            hasher,
            token_ttl,
            decoy_hash,
        }
    }

    /// A new token for valid credentials; 401 otherwise, the same for an
    /// unknown user as for a wrong password.
    pub async fn login(&self, username: &str, password: &str) -> Result<String, ServiceError> {
        let user = user::find_by_username(&self.db, username).await?;
        let phc = user
            .as_ref()
            .map_or_else(|| self.decoy_hash.clone(), |u| u.password_hash.clone());
        let hasher = self.hasher.clone();
        let password = password.to_owned();
        // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
        let matches = tokio::task::spawn_blocking(move || hasher.verify(&password, &phc))
            .await
            .unwrap_or(false);
        let user = match user {
            Some(user) if matches => user,
            _ => return Err(ServiceError::Unauthorized(BAD_CREDENTIALS.into())),
        };
        let token = new_token();
        let now = Utc::now();
        let expires = now + self.token_ttl;
        let mut writer = Writer::autocommit(&self.db);
        auth_token::insert(&mut writer, user.id, &token_hash(&token), now, expires).await?;
        Ok(token)
    }

    /// The user a token belongs to (1 statement); 401 if unknown or expired.
    pub async fn authenticate(&self, token: &str) -> Result<AuthUser, ServiceError> {
        let user = auth_token::find_user(&self.db, &token_hash(token), Utc::now())
            .await?
            .ok_or_else(|| ServiceError::Unauthorized("invalid or expired token".into()))?;
        Ok(AuthUser {
            id: user.id,
            username: user.username,
            is_admin: user.is_admin,
        })
    }

    /// Revokes a token; 401 if it was not valid.
    pub async fn logout(&self, token: &str) -> Result<(), ServiceError> {
        let mut writer = Writer::autocommit(&self.db);
        if auth_token::delete(&mut writer, &token_hash(token)).await? {
            Ok(())
        } else {
            Err(ServiceError::Unauthorized(
                "invalid or expired token".into(),
            ))
        }
    }
}

/// 32 bytes from the operating system's CSPRNG, hex-encoded.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    hex::encode(bytes)
}

/// What the database stores instead of the token.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
