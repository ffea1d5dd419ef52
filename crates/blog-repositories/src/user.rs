//! Users: accounts (registering, signing in by name or address, changing
//! one's own), and what the dashboard shows about one.

use blog_entities::{category, post, user};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set, Unchanged};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityName, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Statement,
};

use crate::error::During;
use crate::{Backend, RepositoryError, Writer};

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

/// The user whose email is `email`, whatever its case.
pub async fn find_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, RepositoryError> {
    user::Entity::find()
        .filter(Expr::expr(Func::lower(Expr::col(user::Column::Email))).eq(email.to_lowercase()))
        .one(conn)
        .await
        .during("looking up the user by email")
}

/// The user with this id, if any.
pub async fn find(
    conn: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<user::Model>, RepositoryError> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await
        .during("looking up the user")
}

/// Which of `username` and `email` (any case) another user than `except`
/// already has: `(username taken, email taken)`, in one statement.
pub async fn taken(
    conn: &impl ConnectionTrait,
    username: Option<&str>,
    email: Option<&str>,
    except: Option<i32>,
) -> Result<(bool, bool), RepositoryError> {
    let mut clash = Condition::any();
    if let Some(name) = username {
        clash = clash.add(user::Column::Username.eq(name));
    }
    if let Some(email) = email {
        clash = clash
            .add(Expr::expr(Func::lower(Expr::col(user::Column::Email))).eq(email.to_lowercase()));
    }
    if clash.is_empty() {
        return Ok((false, false));
    }
    let mut others = user::Entity::find().filter(clash);
    if let Some(id) = except {
        others = others.filter(user::Column::Id.ne(id));
    }
    let found: Vec<(String, String)> = others
        .select_only()
        .columns([user::Column::Username, user::Column::Email])
        .into_tuple()
        .all(conn)
        .await
        .during("checking names and addresses")?;
    let name_taken = username.is_some_and(|name| found.iter().any(|(n, _)| n == name));
    let email_taken = email.is_some_and(|email| {
        found
            .iter()
            .any(|(_, e)| e.to_lowercase() == email.to_lowercase())
    });
    Ok((name_taken, email_taken))
}

/// A new account; returns its row. A name or address taken meanwhile is
/// [`RepositoryError::Duplicate`].
pub async fn create(
    writer: &mut Writer<impl ConnectionTrait>,
    username: &str,
    email: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<user::Model, RepositoryError> {
    user::ActiveModel {
        id: NotSet,
        username: Set(username.to_owned()),
        email: Set(email.to_owned()),
        bio: Set(None),
        image: Set(None),
        password_hash: Set(password_hash.to_owned()),
        is_admin: Set(false),
        created_at: Set(now),
    }
    .insert(writer.changing(&[user::Entity.table_name()]))
    .await
    .during("creating the account")
}

/// What an account's owner changes; `None` leaves a field as it is (for
/// `bio` and `image`, `Some(None)` clears it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChanges {
    /// A new username.
    pub username: Option<String>,
    /// A new address.
    pub email: Option<String>,
    /// A new password, hashed.
    pub password_hash: Option<String>,
    /// A new bio, or none.
    pub bio: Option<Option<String>>,
    /// A new picture, or none.
    pub image: Option<Option<String>>,
}

/// Applies `changes` to user `id`'s account; returns the row as it is now.
pub async fn update(
    writer: &mut Writer<impl ConnectionTrait>,
    id: i32,
    changes: AccountChanges,
) -> Result<Option<user::Model>, RepositoryError> {
    let account = user::ActiveModel {
        id: Unchanged(id),
        username: changes.username.map_or(NotSet, Set),
        email: changes.email.map_or(NotSet, Set),
        password_hash: changes.password_hash.map_or(NotSet, Set),
        bio: changes.bio.map_or(NotSet, Set),
        image: changes.image.map_or(NotSet, Set),
        is_admin: NotSet,
        created_at: NotSet,
    };
    if account.is_changed() {
        account
            .update(writer.changing(&[user::Entity.table_name()]))
            .await
            .during("changing the account")?;
    }
    find(writer.reader(), id).await
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
