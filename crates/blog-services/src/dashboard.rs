//! `GET /api/dashboard/`: four parts fetched concurrently, each on its own: one
//! failing (or timing out) leaves the others intact, and the whole takes as
//! long as the slowest part, not the sum.

use std::time::Duration;

use blog_repositories::DatabaseConnection;
use blog_repositories::user::{self, UserStats};
use serde::Serialize;
use serde_json::{Value, json};

use crate::ServiceError;
use crate::analytics::Analytics;
use crate::auth::AuthUser;
use crate::cache::{Cache, CacheKey, Tag};
use crate::external::ExternalApi;

/// How long user stats are cached (a write of the user's posts bumps `user:{id}`).
const STATS_TTL: Duration = Duration::from_secs(300);
/// How many of the user's posts the dashboard lists.
const RECENT: u64 = 10;

/// The dashboard: each part is its data, or `{"error": "..."}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    #[schema(value_type = Object)]
    pub user_stats: Value,
    #[schema(value_type = Object)]
    pub recent_posts: Value,
    #[schema(value_type = Object)]
    pub analytics: Value,
    #[schema(value_type = Object)]
    pub external_data: Value,
}

/// Assembles the dashboard.
#[derive(Debug, Clone)]
pub struct DashboardService {
    db: DatabaseConnection,
    cache: Cache,
    analytics: Analytics,
    external: ExternalApi,
}

impl DashboardService {
    /// A service over these parts.
    pub fn new(
        db: DatabaseConnection,
        cache: Cache,
        analytics: Analytics,
        external: ExternalApi,
    ) -> Self {
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
            user_stats: part(stats),
            recent_posts: part(recent.map_err(ServiceError::from)),
            analytics: match analytics {
                Some(days) => json!({ "daily": days }),
                None => json!({"error": "Analytics unavailable"}),
            },
            external_data: external,
        }
    }

    /// Total posts, average views and active days: one aggregate statement,
    /// cached 5 minutes under `user:{id}`.
    pub async fn user_stats(&self, user_id: i32) -> Result<UserStats, ServiceError> {
        let key = CacheKey::new("user_stats").arg("id", user_id);
        self.cache
            .cached(&key, STATS_TTL, &[Tag::user(user_id)], || async {
                Ok::<_, ServiceError>(user::stats(&self.db, user_id).await?)
            })
            .await
    }
}

/// A part's JSON, or its error as `{"error": "..."}`.
fn part<T: Serialize>(result: Result<T, ServiceError>) -> Value {
    match result.map(|data| serde_json::to_value(data)) {
        Ok(Ok(value)) => value,
        Ok(Err(_)) => json!({"error": "unserializable"}),
        Err(err) => {
            tracing::warn!(error = %err, "a dashboard part failed");
            json!({ "error": err.to_string() })
        }
    }
}
