//! Profiles and following (the RealWorld API): a user as a reader sees them,
//! and following or no longer following them. Following changes the
//! follower's feed and what their `following` flags say, nothing else.

use blog_repositories::{DbPool, Writer, follow};
use chrono::Utc;

use crate::auth::AuthUser;
use crate::outbox::Outbox;
use crate::{ServiceError, cache_tags};

/// A user as a reader sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Their username.
    pub username: String,
    /// What they say about themself.
    pub bio: Option<String>,
    /// Their picture's URL.
    pub image: Option<String>,
    /// Whether the reader follows them.
    pub following: bool,
}

impl From<follow::ProfileRow> for Profile {
    fn from(row: follow::ProfileRow) -> Self {
        Profile {
            username: row.username,
            bio: row.bio,
            image: row.image,
            following: row.following,
        }
    }
}

/// Reads profiles and records follows.
#[derive(Debug, Clone)]
pub struct ProfileService {
    db: DbPool,
    outbox: Outbox,
}

impl ProfileService {
    /// Profiles over `db`, follows invalidated through `outbox`.
    pub fn new(db: DbPool, outbox: Outbox) -> Self {
        ProfileService { db, outbox }
    }

    /// The profile of `username` as `viewer` sees it (1 statement); 404 if
    /// there is no such user.
    pub async fn profile(
        &self,
        username: &str,
        viewer: Option<&AuthUser>,
    ) -> Result<Profile, ServiceError> {
        follow::profile(&self.db, username, viewer.map(|v| v.id))
            .await?
            .map(Profile::from)
            .ok_or(ServiceError::NoSuch("profile"))
    }

    /// `user` follows (`on`) or no longer follows `username`; returns the
    /// profile as they now see it. Doing it twice changes nothing.
    pub async fn follow(
        &self,
        user: &AuthUser,
        username: &str,
        on: bool,
    ) -> Result<Profile, ServiceError> {
        let found = follow::profile(&self.db, username, Some(user.id))
            .await?
            .ok_or(ServiceError::NoSuch("profile"))?;
        let mut writer = Writer::begin(&self.db).await?;
        let changed = if on {
            follow::follow(&mut writer, user.id, found.id, Utc::now()).await?
        } else {
            follow::unfollow(&mut writer, user.id, found.id).await?
        };
        if changed {
            self.outbox
                .commit(writer, [cache_tags::follows_of(user.id)])
                .await?;
        } else {
            writer.commit().await?;
        }
        Ok(Profile {
            following: on,
            ..Profile::from(found)
        })
    }
}
