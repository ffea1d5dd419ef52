//! Profiles and following: a user as others see them (with whether the
//! reader follows them), and following or no longer following someone.

use blog_entities::{follow, user};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityName, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, StatementBuilder,
};

use crate::error::During;
use crate::{RepositoryError, Writer};

/// A user as a profile shows them to a reader.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ProfileRow {
    /// The user's id.
    pub id: i32,
    /// Their username.
    pub username: String,
    /// What they say about themself.
    pub bio: Option<String>,
    /// Their picture's URL.
    pub image: Option<String>,
    /// Whether the reader follows them.
    pub following: bool,
}

/// The profile of the user named `username` as `viewer` sees it, in one
/// statement; `None` if there is no such user.
pub async fn profile(
    conn: &impl ConnectionTrait,
    username: &str,
    viewer: Option<i32>,
) -> Result<Option<ProfileRow>, RepositoryError> {
    let follows = follows(viewer, (user::Entity, user::Column::Id));
    user::Entity::find()
        .select_only()
        .columns([
            user::Column::Id,
            user::Column::Username,
            user::Column::Bio,
            user::Column::Image,
        ])
        .expr_as(follows, "following")
        .filter(user::Column::Username.eq(username))
        .into_model::<ProfileRow>()
        .one(conn)
        .await
        .during("loading the profile")
}

/// Whether `viewer` (none: nobody) follows the user whose id is in
/// `followed` (a column of the statement this goes in): an `EXISTS`.
pub(crate) fn follows(viewer: Option<i32>, followed: impl IntoColumnRef) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::cust("1"))
            .from(follow::Entity)
            .and_where(
                Expr::col((follow::Entity, follow::Column::FollowerId)).eq(viewer.unwrap_or(0)),
            )
            .and_where(Expr::col((follow::Entity, follow::Column::FollowedId)).equals(followed))
            .to_owned(),
    )
}

/// `follower` follows `followed`; true if they did not already.
pub async fn follow(
    writer: &mut Writer<impl ConnectionTrait>,
    follower: i32,
    followed: i32,
    now: DateTime<Utc>,
) -> Result<bool, RepositoryError> {
    let insert = Query::insert()
        .into_table(follow::Entity)
        .columns([
            follow::Column::FollowerId,
            follow::Column::FollowedId,
            follow::Column::CreatedAt,
        ])
        .values_panic([follower.into(), followed.into(), now.into()])
        .on_conflict(
            OnConflict::columns([follow::Column::FollowerId, follow::Column::FollowedId])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    let conn = writer.changing(&[follow::Entity.table_name()]);
    let statement = StatementBuilder::build(&insert, &conn.get_database_backend());
    let result = conn.execute_raw(statement).await.during("following")?;
    Ok(result.rows_affected() == 1)
}

/// `follower` no longer follows `followed`; true if they did.
pub async fn unfollow(
    writer: &mut Writer<impl ConnectionTrait>,
    follower: i32,
    followed: i32,
) -> Result<bool, RepositoryError> {
    let result = follow::Entity::delete_many()
        .filter(follow::Column::FollowerId.eq(follower))
        .filter(follow::Column::FollowedId.eq(followed))
        .exec(writer.changing(&[follow::Entity.table_name()]))
        .await
        .during("unfollowing")?;
    Ok(result.rows_affected == 1)
}
