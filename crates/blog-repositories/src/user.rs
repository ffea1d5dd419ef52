//! Users, and what the dashboard shows about one.

use blog_entities::{category, post, user};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, Statement,
};
use serde::{Deserialize, Serialize};

use crate::{Backend, RepositoryError};

/// The user with this username, if any.
pub async fn find_by_username(
    db: &DatabaseConnection,
    username: &str,
) -> Result<Option<user::Model>, RepositoryError> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?)
}

/// A user's writing, in numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, FromQueryResult, utoipa::ToSchema)]
pub struct UserStats {
    pub total_posts: i64,
    /// Mean `view_count` of the user's posts (0 without posts).
    pub average_views: f64,
    /// Distinct days (UTC) on which the user posted.
    pub active_days: i64,
}

/// [`UserStats`] in one aggregate statement.
pub async fn stats(db: &DatabaseConnection, user_id: i32) -> Result<UserStats, RepositoryError> {
    // Timestamps are `timestamptz` on PostgreSQL and ISO text on SQLite.
    let day = match Backend::of(db) {
        Backend::Postgres => "(created_at AT TIME ZONE 'UTC')::date",
        Backend::Sqlite => "substr(created_at, 1, 10)",
    };
    let sql = format!(
        "SELECT COUNT(*) AS total_posts, \
         CAST(COALESCE(AVG(view_count), 0) AS DOUBLE PRECISION) AS average_views, \
         COUNT(DISTINCT {day}) AS active_days \
         FROM posts WHERE user_id = $1"
    );
    let statement =
        Statement::from_sql_and_values(db.get_database_backend(), sql, [user_id.into()]);
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("an aggregate always has a row".into()))?;
    Ok(UserStats::from_query_result(&row, "")?)
}

/// One of a user's posts on the dashboard.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, FromQueryResult, utoipa::ToSchema,
)]
pub struct RecentPost {
    pub id: i32,
    pub title: String,
    pub category: String,
    pub created_at: DateTime<Utc>,
}

/// The user's `limit` newest posts with their category names, in one statement.
pub async fn recent_posts(
    db: &DatabaseConnection,
    user_id: i32,
    limit: u64,
) -> Result<Vec<RecentPost>, RepositoryError> {
    Ok(post::Entity::find()
        .select_only()
        .columns([
            post::Column::Id,
            post::Column::Title,
            post::Column::CreatedAt,
        ])
        .column_as(category::Column::Name, "category")
        .join(JoinType::InnerJoin, post::Relation::Category.def())
        .filter(post::Column::UserId.eq(user_id))
        .order_by_desc(post::Column::CreatedAt)
        .order_by_desc(post::Column::Id)
        .limit(limit)
        .into_model::<RecentPost>()
        .all(db)
        .await?)
}
