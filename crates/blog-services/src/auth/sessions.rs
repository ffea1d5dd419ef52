//! Tokens: issuing one, recognizing one, revoking one. A token is looked up
//! once and then cached (under its hash, tagged with it, for at most five
//! minutes and never past its expiry), so a signed-in reader's cached page
//! costs no statement either; revoking a token (signing out, or a login
//! that prunes the oldest) invalidates its entry through the outbox, like
//! any write, on every instance.

use std::time::Duration;

use blog_repositories::{Writer, auth_token};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::tokens::{new_token, token_hash};
use super::{AuthService, AuthUser};
use crate::ServiceError;
use crate::cache::{CacheKey, Cacheable, Tag};

/// How long a recognized token is cached at most.
const SESSION_TTL: Duration = Duration::from_secs(300);
/// How long an unknown token is remembered as unknown.
const UNKNOWN_TTL: Duration = Duration::from_secs(1);

/// A token's user, and when the token expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Session {
    user: AuthUser,
    expires_at: DateTime<Utc>,
}

impl Cacheable for Session {
    const SCHEMA: u32 = 1;
}

/// The tag of the token whose hash is `hash`.
fn token_tag(hash: &str) -> Tag {
    Tag::keyed("token", hash)
}

/// A session lives until its token expires, five minutes at most.
fn session_ttl(session: &Option<Session>) -> Duration {
    match session {
        Some(session) => (session.expires_at - Utc::now())
            .to_std()
            .unwrap_or_default()
            .min(SESSION_TTL)
            .max(Duration::from_millis(1)),
        None => UNKNOWN_TTL,
    }
}

impl AuthService {
    /// Stores a new token for `user_id`, first deleting the user's expired
    /// tokens and the oldest live ones past the limit (whose cached
    /// sessions are invalidated).
    pub(super) async fn issue_token(&self, user_id: i32) -> Result<String, ServiceError> {
        let token = new_token();
        let now = Utc::now();
        let mut writer = Writer::begin(&self.db).await?;
        let keep = u64::from(self.max_tokens - 1);
        let pruned = auth_token::prune(&mut writer, user_id, now, keep).await?;
        let expires = now + self.token_ttl;
        auth_token::insert(&mut writer, user_id, &token_hash(&token), now, expires).await?;
        let revoked: Vec<Tag> = pruned.iter().map(|hash| token_tag(hash)).collect();
        self.outbox.commit(writer, revoked).await?;
        Ok(token)
    }

    /// The user a token belongs to (1 statement, or none once cached); 401
    /// if unknown or expired.
    pub async fn authenticate(&self, token: &str) -> Result<AuthUser, ServiceError> {
        let hash = token_hash(token);
        let key = CacheKey::new("session").arg("token", &hash);
        let session: Option<Session> = self
            .cache
            .cached_for(&key, session_ttl, &[token_tag(&hash)], || async {
                let found = auth_token::find_user(&self.db, &hash, Utc::now()).await?;
                Ok::<_, ServiceError>(found.map(|(user, expires_at)| Session {
                    user: AuthUser {
                        id: user.id,
                        username: user.username,
                        is_admin: user.is_admin,
                    },
                    expires_at,
                }))
            })
            .await?;
        session
            .filter(|session| session.expires_at > Utc::now())
            .map(|session| session.user)
            .ok_or_else(|| ServiceError::Unauthorized("invalid or expired token".into()))
    }

    /// Revokes a token; 401 if it was not valid.
    pub async fn logout(&self, token: &str) -> Result<(), ServiceError> {
        let hash = token_hash(token);
        let mut writer = Writer::begin(&self.db).await?;
        if !auth_token::delete(&mut writer, &hash).await? {
            writer.commit().await?;
            return Err(ServiceError::Unauthorized(
                "invalid or expired token".into(),
            ));
        }
        self.outbox.commit(writer, [token_tag(&hash)]).await
    }
}
