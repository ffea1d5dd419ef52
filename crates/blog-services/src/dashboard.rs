//! `GET /api/dashboard/`: four parts fetched concurrently, each on its own: one
//! failing (or timing out) leaves the others intact, and the whole takes as
//! long as the slowest part, not the sum.

use std::time::Duration;

use blog_repositories::user::{self, RecentPostRow, UserStatsRow};
use blog_repositories::{DbPool, SecretUrl};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::analytics::{Analytics, Daily};
use crate::auth::AuthUser;
use crate::cache::{Cache, CacheKey, Cacheable};
use crate::external::ExternalApi;
use crate::{ServiceError, cache_tags};

/// How long user stats are cached (a write of the user's posts bumps `user:{id}`).
const STATS_TTL: Duration = Duration::from_secs(300);
/// How many of the user's posts the dashboard lists.
const RECENT: u64 = 10;

/// The `dashboard` section of the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DashboardConfig {
    /// The external stats source (unset: the part reports it unavailable).
    pub external_api_url: Option<SecretUrl>,
}

/// A part that could not be had; its message is what the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PartFailure(pub String);

/// One part of the dashboard: its data, or why it is missing.
pub type Part<T> = Result<T, PartFailure>;

/// The dashboard.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The user's writing in numbers.
    pub user_stats: Part<UserStats>,
    /// The user's newest posts.
    pub recent_posts: Part<Vec<RecentPost>>,
    /// Page views and new posts per day.
    pub analytics: Part<Daily>,
    /// Whatever the external API answered.
    pub external_data: Part<serde_json::Value>,
}

/// A user's writing, in numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserStats {
    /// Posts the user wrote.
    pub total_posts: i64,
    /// Mean views of the user's posts (0 without posts).
    pub average_views: f64,
    /// Distinct days (UTC) on which the user posted.
    pub active_days: i64,
}

impl Cacheable for UserStats {
    const SCHEMA: u32 = 1;
}

/// One of a user's posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentPost {
    /// The post's id.
    pub id: i32,
    /// Its title.
    pub title: String,
    /// Its category's name.
    pub category: String,
    /// When it was published.
    pub created_at: DateTime<Utc>,
}

impl From<UserStatsRow> for UserStats {
    fn from(row: UserStatsRow) -> Self {
        UserStats {
            total_posts: row.total_posts,
            average_views: row.average_views,
            active_days: row.active_days,
        }
    }
}

impl From<RecentPostRow> for RecentPost {
    fn from(row: RecentPostRow) -> Self {
        RecentPost {
            id: row.id,
            title: row.title,
            category: row.category,
            created_at: row.created_at,
        }
    }
}

/// Assembles the dashboard.
#[derive(Debug, Clone)]
pub struct DashboardService {
    db: DbPool,
    cache: Cache,
    analytics: Analytics,
    external: ExternalApi,
}

impl DashboardService {
    /// A service over these parts.
    pub fn new(db: DbPool, cache: Cache, analytics: Analytics, external: ExternalApi) -> Self {
        DashboardService {
            db,
            cache,
            analytics,
            external,
        }
    }

    /// `user`'s dashboard; the four parts run concurrently in this task (so
    /// their statements count for this request).
    pub async fn load(&self, user: &AuthUser) -> Dashboard {
        let (stats, recent, analytics, external) = tokio::join!(
            self.user_stats(user.id),
            user::recent_posts(&self.db, user.id, RECENT),
            self.analytics.daily(),
            self.external.fetch(),
        );
        Dashboard {
            user_stats: stats.map_err(failed),
            recent_posts: recent
                .map(|rows| rows.into_iter().map(RecentPost::from).collect())
                .map_err(|err| failed(err.into())),
            analytics: analytics.ok_or_else(|| PartFailure("Analytics unavailable".into())),
            external_data: external.map_err(|err| PartFailure(err.to_string())),
        }
    }

    /// Total posts, average views and active days: one aggregate statement,
    /// cached 5 minutes under `user:{id}`.
    async fn user_stats(&self, user_id: i32) -> Result<UserStats, ServiceError> {
        let key = CacheKey::new("user_stats").arg("id", user_id);
        self.cache
            .cached(&key, STATS_TTL, &[cache_tags::user(user_id)], || async {
                Ok::<_, ServiceError>(user::stats(&self.db, user_id).await?.into())
            })
            .await
    }
}

/// A failed database part: logged with its cause, shown by its message.
fn failed(err: ServiceError) -> PartFailure {
    tracing::warn!(error = %crate::error::chain(&err), "a dashboard part failed");
    PartFailure(err.to_string())
}
