//! Users, and what the dashboard shows about one.

use blog_entities::{category, post, user};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Statement,
};

use crate::error::During;
use crate::{Backend, RepositoryError};

/// The user with this username, if any.
pub async fn find_by_username(
    conn: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>, RepositoryError> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(conn)
        .await
        .during("looking up the user")
}

/// A user's writing, in numbers.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct UserStatsRow {
    /// Posts the user wrote.
    pub total_posts: i64,
    /// Mean `view_count` of the user's posts (0 without posts).
    pub average_views: f64,
    /// Distinct days (UTC) on which the user posted.
    pub active_days: i64,
}

/// [`UserStatsRow`] in one aggregate statement.
pub async fn stats(
    conn: &impl ConnectionTrait,
    user_id: i32,
) -> Result<UserStatsRow, RepositoryError> {
    const OPERATION: &str = "computing the user's stats";
    // Timestamps are `timestamptz` on PostgreSQL and ISO text on SQLite.
    let day = match Backend::of(conn) {
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
        Statement::from_sql_and_values(conn.get_database_backend(), sql, [user_id.into()]);
    let row = conn
        .query_one_raw(statement)
        .await
        .during(OPERATION)?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("an aggregate always has a row".into()))
        .during(OPERATION)?;
    UserStatsRow::from_query_result(&row, "").during(OPERATION)
}

/// One of a user's posts on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct RecentPostRow {
    /// The post's id.
    pub id: i32,
    /// Its title.
    pub title: String,
    /// Its category's name.
    pub category: String,
    /// When it was published.
    pub created_at: DateTime<Utc>,
}

/// The user's `limit` newest posts with their category names, in one statement.
pub async fn recent_posts(
    conn: &impl ConnectionTrait,
    user_id: i32,
    limit: u64,
) -> Result<Vec<RecentPostRow>, RepositoryError> {
    post::Entity::find()
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
        .into_model::<RecentPostRow>()
        .all(conn)
        .await
        .during("loading the user's recent posts")
}
