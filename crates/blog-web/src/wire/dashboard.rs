//! The dashboard on the wire: each part is its data, or `{"error": "..."}`.

use std::collections::BTreeMap;

use blog_services::analytics::{Daily, DailyCounts};
use blog_services::dashboard::{Dashboard, Part, RecentPost, UserStats};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// `GET /api/dashboard/`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Dashboard)]
pub struct DashboardBody {
    /// The user's writing in numbers, or `{"error": ...}`.
    pub user_stats: PartBody<UserStatsBody>,
    /// The user's 10 newest posts, or `{"error": ...}`.
    pub recent_posts: PartBody<Vec<RecentPostBody>>,
    /// `{"daily": {"YYYY-MM-DD": {"page_views", "new_posts"}}}`, or `{"error": ...}`.
    pub analytics: PartBody<AnalyticsBody>,
    /// The external API's JSON (any shape), or `{"error": ...}`: any value,
    /// so its schema is any value.
    #[schema(value_type = Value)]
    pub external_data: PartBody<serde_json::Value>,
}

/// A part's data, or why it is missing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum PartBody<T> {
    /// The data.
    Ready(T),
    /// `{"error": "..."}`.
    Failed {
        /// Why the part is missing.
        error: String,
    },
}

/// A user's writing, in numbers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = UserStats)]
pub struct UserStatsBody {
    /// Posts the user wrote.
    pub total_posts: i64,
    /// Mean views of the user's posts (0 without posts).
    pub average_views: f64,
    /// Distinct days (UTC) on which the user posted.
    pub active_days: i64,
}

/// One of the user's posts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = RecentPost)]
pub struct RecentPostBody {
    /// The post's id.
    pub id: i32,
    /// Its title.
    pub title: String,
    /// Its category's name.
    pub category: String,
    /// When it was published.
    pub created_at: DateTime<Utc>,
}

/// Counts per day (`YYYY-MM-DD`, UTC), oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Analytics)]
pub struct AnalyticsBody {
    /// The last 30 days with counts.
    pub daily: BTreeMap<String, DailyCountsBody>,
}

/// One day's counts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = DailyCounts)]
pub struct DailyCountsBody {
    /// Pages served.
    pub page_views: i64,
    /// Posts published.
    pub new_posts: i64,
}

impl<T, B: From<T>> From<Part<T>> for PartBody<B> {
    fn from(part: Part<T>) -> Self {
        match part {
            Ok(data) => PartBody::Ready(data.into()),
            Err(failure) => PartBody::Failed {
                error: failure.to_string(),
            },
        }
    }
}

impl From<Dashboard> for DashboardBody {
    fn from(dashboard: Dashboard) -> Self {
        DashboardBody {
            user_stats: dashboard.user_stats.into(),
            recent_posts: match dashboard.recent_posts {
                Ok(posts) => PartBody::Ready(posts.into_iter().map(Into::into).collect()),
                Err(failure) => PartBody::Failed {
                    error: failure.to_string(),
                },
            },
            analytics: dashboard.analytics.into(),
            external_data: dashboard.external_data.into(),
        }
    }
}

impl From<UserStats> for UserStatsBody {
    fn from(stats: UserStats) -> Self {
        UserStatsBody {
            total_posts: stats.total_posts,
            average_views: stats.average_views,
            active_days: stats.active_days,
        }
    }
}

impl From<RecentPost> for RecentPostBody {
    fn from(post: RecentPost) -> Self {
        RecentPostBody {
            id: post.id,
            title: post.title,
            category: post.category,
            created_at: post.created_at,
        }
    }
}

impl From<Daily> for AnalyticsBody {
    fn from(daily: Daily) -> Self {
        AnalyticsBody {
            daily: daily
                .into_iter()
                .map(|(day, counts)| (day, counts.into()))
                .collect(),
        }
    }
}

impl From<DailyCounts> for DailyCountsBody {
    fn from(counts: DailyCounts) -> Self {
        DailyCountsBody {
            page_views: counts.page_views,
            new_posts: counts.new_posts,
        }
    }
}
