//! Comments as the pages show them: approved only, each with its author's name.

use std::collections::HashMap;

use blog_entities::{comment, post, user};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query, WindowStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityName, EntityTrait, FromQueryResult,
    QueryFilter,
};

use crate::error::During;
use crate::{RepositoryError, Writer};

/// An approved comment with its author, as listed under a post.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct CommentRow {
    /// The comment's id.
    pub id: i32,
    /// The post it is about.
    pub post_id: i32,
    /// Its author's id.
    pub author_id: i32,
    /// The author's username.
    pub author: String,
    /// What it says.
    pub content: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// The `n` newest approved comments of each post in `post_ids`, newest first,
/// in ONE statement: `ROW_NUMBER() OVER (PARTITION BY post_id ORDER BY
/// created_at DESC, id DESC) <= n` (a plain `LIMIT` would cap the whole batch).
pub async fn newest_approved_for_posts(
    conn: &impl ConnectionTrait,
    post_ids: &[i32],
    n: u64,
) -> Result<HashMap<i32, Vec<CommentRow>>, RepositoryError> {
    const OPERATION: &str = "loading the newest comments";
    let mut by_post: HashMap<i32, Vec<CommentRow>> = HashMap::new();
    if post_ids.is_empty() || n == 0 {
        return Ok(by_post);
    }
    let ranked = Query::select()
        .columns([
            (comment::Entity, comment::Column::Id),
            (comment::Entity, comment::Column::PostId),
            (comment::Entity, comment::Column::UserId),
            (comment::Entity, comment::Column::Content),
            (comment::Entity, comment::Column::CreatedAt),
        ])
        .expr_window_as(
            Func::cust("ROW_NUMBER"),
            WindowStatement::partition_by((comment::Entity, comment::Column::PostId))
                .order_by((comment::Entity, comment::Column::CreatedAt), Order::Desc)
                .order_by((comment::Entity, comment::Column::Id), Order::Desc)
                .to_owned(),
            "rn",
        )
        .from(comment::Entity)
        .and_where(Expr::col((comment::Entity, comment::Column::IsApproved)).eq(true))
        .and_where(
            Expr::col((comment::Entity, comment::Column::PostId)).is_in(post_ids.iter().copied()),
        )
        .to_owned();
    let query = Query::select()
        .column(("t", "id"))
        .column(("t", "post_id"))
        .expr_as(Expr::col(("t", "user_id")), "author_id")
        .expr_as(Expr::col((user::Entity, user::Column::Username)), "author")
        .column(("t", "content"))
        .column(("t", "created_at"))
        .from_subquery(ranked, "t")
        .inner_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id)).equals(("t", "user_id")),
        )
        .and_where(Expr::col(("t", "rn")).lte(n as i64))
        .order_by(("t", "post_id"), Order::Asc)
        .order_by(("t", "rn"), Order::Asc)
        .to_owned();
    let rows = conn.query_all(&query).await.during(OPERATION)?;
    for row in rows {
        let comment = CommentRow::from_query_result(&row, "").during(OPERATION)?;
        by_post.entry(comment.post_id).or_default().push(comment);
    }
    Ok(by_post)
}

/// Every approved comment of one post with its author, oldest first, in one statement.
pub async fn approved_for_post(
    conn: &impl ConnectionTrait,
    post_id: i32,
) -> Result<Vec<CommentRow>, RepositoryError> {
    const OPERATION: &str = "loading the post's comments";
    let query = Query::select()
        .column((comment::Entity, comment::Column::Id))
        .column((comment::Entity, comment::Column::PostId))
        .expr_as(
            Expr::col((comment::Entity, comment::Column::UserId)),
            "author_id",
        )
        .expr_as(Expr::col((user::Entity, user::Column::Username)), "author")
        .column((comment::Entity, comment::Column::Content))
        .column((comment::Entity, comment::Column::CreatedAt))
        .from(comment::Entity)
        .inner_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id))
                .equals((comment::Entity, comment::Column::UserId)),
        )
        .and_where(Expr::col((comment::Entity, comment::Column::PostId)).eq(post_id))
        .and_where(Expr::col((comment::Entity, comment::Column::IsApproved)).eq(true))
        .order_by((comment::Entity, comment::Column::CreatedAt), Order::Asc)
        .order_by((comment::Entity, comment::Column::Id), Order::Asc)
        .to_owned();
    let rows = conn.query_all(&query).await.during(OPERATION)?;
    rows.iter()
        .map(|row| CommentRow::from_query_result(row, "").during(OPERATION))
        .collect()
}

/// Adds a comment awaiting approval; returns the stored row.
pub async fn create(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    user_id: i32,
    content: &str,
    now: DateTime<Utc>,
) -> Result<comment::Model, RepositoryError> {
    comment::ActiveModel {
        id: NotSet,
        post_id: Set(post_id),
        user_id: Set(user_id),
        content: Set(content.to_owned()),
        is_approved: Set(false),
        created_at: Set(now),
    }
    .insert(writer.changing(&[comment::Entity.table_name()]))
    .await
    .during("inserting the comment")
}

/// A comment and the id of its post's author (who may approve it), in one statement.
pub async fn find_with_post_author(
    conn: &impl ConnectionTrait,
    comment_id: i32,
) -> Result<Option<(comment::Model, i32)>, RepositoryError> {
    let row: Option<(comment::Model, Option<post::Model>)> =
        comment::Entity::find_by_id(comment_id)
            .find_also_related(post::Entity)
            .one(conn)
            .await
            .during("looking up the comment")?;
    Ok(row.and_then(|(comment, post)| post.map(|p| (comment, p.user_id))))
}

/// Marks comment `id` approved.
pub async fn approve(
    writer: &mut Writer<impl ConnectionTrait>,
    id: i32,
) -> Result<(), RepositoryError> {
    comment::Entity::update_many()
        .col_expr(comment::Column::IsApproved, Expr::value(true))
        .filter(comment::Column::Id.eq(id))
        .exec(writer.changing(&[comment::Entity.table_name()]))
        .await
        .during("approving the comment")?;
    Ok(())
}
