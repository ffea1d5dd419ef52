//! Logging in and out, and recognizing API tokens.
//!
//! A token is 32 random bytes (64 hex characters) handed to the client once;
//! the database keeps only its SHA-256, with an expiry, so a leaked table does
//! not leak sessions. A user holds a bounded number of live tokens; expired
//! ones are deleted at the user's next login.
//!
//! Guessing is expensive and bounded: failed attempts are throttled per client
//! address and per username ([`throttle`]), and at most a core's worth of
//! argon2 checks (19 MiB each) run at once; the excess waits briefly, then is
//! told to retry.

mod throttle;
mod tokens;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use blog_repositories::{DbPool, Writer, auth_token, user};
use chrono::Utc;
use tokio::sync::Semaphore;

use self::throttle::LoginThrottle;
use self::tokens::{new_token, token_hash};
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
    /// Live tokens a user may hold; a login past it revokes the oldest.
    pub max_tokens_per_user: u32,
    /// Failed logins from one client address per window before 429.
    pub failures_per_address: u32,
    /// Failed logins for one username per window before 429.
    pub failures_per_username: u32,
    /// The throttling window, from a key's first failure.
    pub failure_window: Duration,
    /// Password checks that may run at once (each holds 19 MiB and a core).
    pub concurrent_password_checks: usize,
    /// How long a login waits for a password check before 503.
    pub password_check_wait: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            token_ttl: Duration::from_secs(720 * 3600),
            max_tokens_per_user: 10,
            failures_per_address: 20,
            failures_per_username: 10,
            failure_window: Duration::from_secs(300),
            concurrent_password_checks: std::thread::available_parallelism().map_or(1, |n| n.get()),
            password_check_wait: Duration::from_secs(1),
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
    db: DbPool,
    hasher: PasswordHasher,
    token_ttl: chrono::Duration,
    max_tokens: u32,
    /// Verified against when the user does not exist, so both failures take as long.
    decoy_hash: Arc<str>,
    throttle: LoginThrottle,
    checks: Arc<Semaphore>,
    check_wait: Duration,
}

impl AuthService {
    /// Tokens and throttling as `config` says; passwords checked with `hasher`.
    pub fn new(db: DbPool, hasher: PasswordHasher, config: &AuthConfig) -> Self {
        let decoy_hash = hasher.hash("decoy password, never a real one").into();
        let token_ttl = chrono::Duration::from_std(config.token_ttl.min(MAX_TOKEN_TTL))
            .expect("ten years fit in a chrono::Duration");
        AuthService {
            db,
            hasher,
            token_ttl,
            max_tokens: config.max_tokens_per_user.max(1),
            decoy_hash,
            throttle: LoginThrottle::new(
                config.failures_per_address,
                config.failures_per_username,
                config.failure_window,
            ),
            checks: Arc::new(Semaphore::new(config.concurrent_password_checks.max(1))),
            check_wait: config.password_check_wait,
        }
    }

    /// A new token for valid credentials from `client`; 401 otherwise, the
    /// same for an unknown user as for a wrong password; 429 past the failure
    /// limits; 503 when every password check is busy for too long.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<String, ServiceError> {
        reject_nul(username, password)?;
        let attempt = self
            .throttle
            .begin(client, username)
            .map_err(|retry_after| ServiceError::TooManyRequests { retry_after })?;
        let user = user::find_by_username(&self.db, username).await?;
        let phc: Arc<str> = match &user {
            Some(user) => user.password_hash.as_str().into(),
            None => self.decoy_hash.clone(),
        };
        let matches = self.check_password(password, phc).await?;
        let user = match user {
            Some(user) if matches => user,
            _ => {
                attempt.failed();
                return Err(ServiceError::Unauthorized(BAD_CREDENTIALS.into()));
            }
        };
        attempt.succeeded();
        self.issue_token(user.id).await
    }

    /// Runs argon2 off the async workers, at most `concurrent_password_checks`
    /// at once; waits `password_check_wait` for a turn, then gives up (503).
    async fn check_password(&self, password: &str, phc: Arc<str>) -> Result<bool, ServiceError> {
        let permit = tokio::time::timeout(self.check_wait, self.checks.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(ServiceError::Overloaded {
                retry_after: Duration::from_secs(1),
            })?;
        let hasher = self.hasher.clone();
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            let matches = hasher.verify(&password, &phc);
            drop(permit);
            matches
        })
        .await
        .unwrap_or(false);
        Ok(matches)
    }

    /// Stores a new token for `user_id`, first deleting the user's expired
    /// tokens and the oldest live ones past the limit.
    async fn issue_token(&self, user_id: i32) -> Result<String, ServiceError> {
        let token = new_token();
        let now = Utc::now();
        let mut writer = Writer::autocommit(&self.db);
        let keep = u64::from(self.max_tokens - 1);
        auth_token::prune(&mut writer, user_id, now, keep).await?;
        let expires = now + self.token_ttl;
        auth_token::insert(&mut writer, user_id, &token_hash(&token), now, expires).await?;
        Ok(token)
    }

    /// A token for an administrator's credentials (the monitoring sign-in):
    /// like [`AuthService::login`], and 403 for anyone else, whose new token is
    /// revoked at once.
    pub async fn login_admin(
        &self,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<String, ServiceError> {
        let token = self.login(username, password, client).await?;
        if self.authenticate(&token).await?.is_admin {
            return Ok(token);
        }
        self.logout(&token).await?;
        Err(ServiceError::Forbidden("monitoring is for admins".into()))
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

/// 422 for a NUL in the credentials: no stored name or password holds one,
/// and PostgreSQL refuses to compare text with it.
fn reject_nul(username: &str, password: &str) -> Result<(), ServiceError> {
    let mut problems = std::collections::BTreeMap::new();
    for (field, value) in [("username", username), ("password", password)] {
        if value.contains('\0') {
            problems.insert(field, "must not contain NUL characters".to_owned());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(problems))
    }
}
