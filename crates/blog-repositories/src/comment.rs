//! Comments: the row a page shows (approved only, with its author's name;
//! loaded by the card statement), and writing and approving them.

use blog_entities::{comment, post};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityName, EntityTrait, FromQueryResult,
    QueryFilter,
};

use crate::counters;
use crate::error::During;
use crate::post::card::{self, KeptList};
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

/// Marks comment `id` (on post `post_id`) approved, counts it on the post and
/// rebuilds the post's newest comments; false if it already was approved (or
/// does not exist), so that of two concurrent approvals only one counts.
pub async fn approve(
    writer: &mut Writer<impl ConnectionTrait>,
    id: i32,
    post_id: i32,
) -> Result<bool, RepositoryError> {
    let result = comment::Entity::update_many()
        .col_expr(comment::Column::IsApproved, Expr::value(true))
        .filter(comment::Column::Id.eq(id))
        .filter(comment::Column::IsApproved.eq(false))
        .exec(writer.changing(&[comment::Entity.table_name()]))
        .await
        .during("approving the comment")?;
    if result.rows_affected == 0 {
        return Ok(false);
    }
    counters::add_approved_comments(writer, post_id, 1).await?;
    card::refresh(writer, post_id, &[KeptList::NewestComments]).await?;
    Ok(true)
}
