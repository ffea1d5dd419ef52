//! Comments: the row a page shows (approved only, with its author's name;
//! loaded by the card statement), the thread the RealWorld API lists, and
//! writing, approving and deleting them.

use blog_entities::{comment, post, user};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityName, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select,
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

/// Adds a comment, approved at once (`approved`: counted on the post and
/// among its newest comments) or awaiting approval; returns the stored row.
pub async fn create(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    user_id: i32,
    content: &str,
    approved: bool,
    now: DateTime<Utc>,
) -> Result<comment::Model, RepositoryError> {
    let stored = comment::ActiveModel {
        id: NotSet,
        post_id: Set(post_id),
        user_id: Set(user_id),
        content: Set(content.to_owned()),
        is_approved: Set(approved),
        created_at: Set(now),
    }
    .insert(writer.changing(&[comment::Entity.table_name()]))
    .await
    .during("inserting the comment")?;
    if approved {
        counters::add_approved_comments(writer, post_id, 1).await?;
        card::refresh(writer, post_id, &[KeptList::NewestComments]).await?;
    }
    Ok(stored)
}

/// Deletes comment `id` of post `post_id`; an approved one is uncounted and
/// leaves the post's newest comments. Returns the deleted row, if there was
/// one.
pub async fn delete(
    writer: &mut Writer<impl ConnectionTrait>,
    id: i32,
    post_id: i32,
) -> Result<Option<comment::Model>, RepositoryError> {
    const OPERATION: &str = "deleting the comment";
    let found = comment::Entity::find_by_id(id)
        .filter(comment::Column::PostId.eq(post_id))
        .one(writer.reader())
        .await
        .during(OPERATION)?;
    let Some(found) = found else {
        return Ok(None);
    };
    let deleted = comment::Entity::delete_by_id(id)
        .exec(writer.changing(&[comment::Entity.table_name()]))
        .await
        .during(OPERATION)?;
    if deleted.rows_affected == 1 && found.is_approved {
        counters::add_approved_comments(writer, post_id, -1).await?;
        card::refresh(writer, post_id, &[KeptList::NewestComments]).await?;
    }
    Ok((deleted.rows_affected == 1).then_some(found))
}

/// Rebuilds the kept newest comments of every post user `user_id` has an
/// approved comment on: they show the user's name, which changed.
pub async fn refresh_lists_commented_by(
    writer: &mut Writer<impl ConnectionTrait>,
    user_id: i32,
) -> Result<(), RepositoryError> {
    card::refresh_commented_by(writer, user_id).await
}

/// A comment as the RealWorld API lists it: with its author's profile and
/// whether the reader follows them.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ThreadCommentRow {
    /// The comment's id.
    pub id: i32,
    /// What it says.
    pub content: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Its author's id.
    pub author_id: i32,
    /// The author's username.
    pub author: String,
    /// The author's bio.
    pub author_bio: Option<String>,
    /// The author's picture.
    pub author_image: Option<String>,
    /// Whether the reader follows the author.
    pub following: bool,
}

/// The comments of post `post_id` that `viewer` may see, oldest first, in
/// one statement: the approved ones, and, to the post's author every one,
/// to anyone else their own awaiting approval.
pub async fn thread(
    conn: &impl ConnectionTrait,
    post_id: i32,
    post_author: i32,
    viewer: Option<i32>,
) -> Result<Vec<ThreadCommentRow>, RepositoryError> {
    let mut visible = Condition::any().add(comment::Column::IsApproved.eq(true));
    if viewer == Some(post_author) {
        visible = Condition::all();
    } else if let Some(viewer) = viewer {
        visible = visible.add(comment::Column::UserId.eq(viewer));
    }
    as_seen_by(viewer)
        .filter(comment::Column::PostId.eq(post_id))
        .filter(visible)
        .order_by_asc(comment::Column::CreatedAt)
        .order_by_asc(comment::Column::Id)
        .into_model::<ThreadCommentRow>()
        .all(conn)
        .await
        .during("loading the comments")
}

/// Comment `id` as its writer `viewer` sees it (the one they just posted),
/// in one statement: the thread's row without reading the thread.
pub async fn thread_comment(
    conn: &impl ConnectionTrait,
    id: i32,
    viewer: i32,
) -> Result<Option<ThreadCommentRow>, RepositoryError> {
    as_seen_by(Some(viewer))
        .filter(comment::Column::Id.eq(id))
        .into_model::<ThreadCommentRow>()
        .one(conn)
        .await
        .during("loading the comment")
}

/// A thread's columns as `viewer` sees them: the comment, its author, and
/// whether `viewer` follows the author.
fn as_seen_by(viewer: Option<i32>) -> Select<comment::Entity> {
    let follows = crate::follow::follows(viewer, (comment::Entity, comment::Column::UserId));
    comment::Entity::find()
        .select_only()
        .columns([
            comment::Column::Id,
            comment::Column::Content,
            comment::Column::CreatedAt,
        ])
        .column_as(comment::Column::UserId, "author_id")
        .column_as(user::Column::Username, "author")
        .column_as(user::Column::Bio, "author_bio")
        .column_as(user::Column::Image, "author_image")
        .expr_as(follows, "following")
        .join(JoinType::InnerJoin, comment::Relation::User.def())
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
