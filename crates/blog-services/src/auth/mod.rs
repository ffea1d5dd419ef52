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

pub mod accounts;
mod sessions;
mod throttle;
mod tokens;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use blog_entities::user as user_row;
use blog_repositories::{DbPool, RepositoryError, user};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use self::throttle::LoginThrottle;

use crate::cache::Cache;
use crate::outbox::Outbox;
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthUser {
    /// The user's id.
    pub id: i32,
    /// Their username.
    pub username: String,
    /// Admins may read the monitoring endpoints.
    pub is_admin: bool,
}

/// Backs `/auth/login/`, `/auth/logout/`, the `Authorization` header and the
/// RealWorld API's accounts ([`accounts`]). A recognized token is cached
/// under its hash, so revoking one (and an account's changes) goes through
/// the outbox.
#[derive(Debug, Clone)]
pub struct AuthService {
    db: DbPool,
    cache: Cache,
    outbox: Outbox,
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
    /// Tokens and throttling as `config` says; passwords checked with
    /// `hasher`; signed-in users cached in `cache`; account changes and
    /// revoked tokens invalidated through `outbox`.
    pub fn new(
        db: DbPool,
        cache: Cache,
        outbox: Outbox,
        hasher: PasswordHasher,
        config: &AuthConfig,
    ) -> Self {
        let decoy_hash = hasher.hash("decoy password, never a real one").into();
        let token_ttl = chrono::Duration::from_std(config.token_ttl.min(MAX_TOKEN_TTL))
            .expect("ten years fit in a chrono::Duration");
        AuthService {
            db,
            cache,
            outbox,
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
        let found = user::find_by_username(&self.db, username);
        let user = self
            .check_credentials(username, found, password, client)
            .await?;
        self.issue_token(user.id).await
    }

    /// The user `lookup` finds if `password` is theirs; 401 otherwise, as
    /// slow for an unknown user as for a wrong password; 429 (before any
    /// lookup) past the failure limits of `client` and `key` (the name or
    /// address signed in with).
    async fn check_credentials(
        &self,
        key: &str,
        lookup: impl Future<Output = Result<Option<user_row::Model>, RepositoryError>>,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<user_row::Model, ServiceError> {
        let attempt = self
            .throttle
            .begin(client, key)
            .map_err(|retry_after| ServiceError::TooManyRequests { retry_after })?;
        let found = lookup.await?;
        let phc: Arc<str> = match &found {
            Some(user) => user.password_hash.as_str().into(),
            None => self.decoy_hash.clone(),
        };
        let matches = self.check_password(password, phc).await?;
        match found {
            Some(user) if matches => {
                attempt.succeeded();
                Ok(user)
            }
            _ => {
                attempt.failed();
                Err(ServiceError::Unauthorized(BAD_CREDENTIALS.into()))
            }
        }
    }

    /// Runs argon2 off the async workers, at most `concurrent_password_checks`
    /// at once; waits `password_check_wait` for a turn, then gives up (503).
    async fn check_password(&self, password: &str, phc: Arc<str>) -> Result<bool, ServiceError> {
        let permit = self.password_permit().await?;
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

    /// A turn of the bounded password work: waits `password_check_wait`,
    /// then 503.
    async fn password_permit(&self) -> Result<OwnedSemaphorePermit, ServiceError> {
        tokio::time::timeout(self.check_wait, self.checks.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(ServiceError::Overloaded {
                retry_after: Duration::from_secs(1),
            })
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
