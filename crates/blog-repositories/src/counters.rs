//! Counter caches: counts kept on the rows they describe, so that no page
//! counts rows. `posts.comment_count` (approved comments) and `posts.like_count`;
//! `categories.post_count` and `tags.post_count`, the sizes of the lists (all
//! posts is the categories' sum: every post has exactly one).
//!
//! Every write that changes a count changes it here, in its own transaction,
//! with `count = count + delta` (never a value read earlier), so concurrent
//! writes add up. Rows of `categories` and `tags` are locked in id order, so
//! two writes touching the same ones queue instead of deadlocking.
//! [`recompute`] rebuilds every count from the rows, and the lists kept on
//! each post (`post::card`) with them (`blog repair-counts`).

use std::collections::BTreeMap;

use blog_entities::{category, post, tag};
use sea_orm::sea_query::{
    CaseStatement, Expr, ExprTrait, IntoIden, LockType, Query, UpdateStatement,
};
use sea_orm::{ConnectionTrait, DbBackend, EntityName, Iden, StatementBuilder};

use crate::error::During;
use crate::post::{card, position};
use crate::{RepositoryError, Writer};

/// How a write changes the post counts of categories or tags: id → delta.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostCountChanges(BTreeMap<i32, i64>);

impl PostCountChanges {
    /// One more post for each of `ids`.
    pub fn gained(mut self, ids: impl IntoIterator<Item = i32>) -> Self {
        for id in ids {
            *self.0.entry(id).or_default() += 1;
        }
        self
    }

    /// One post fewer for each of `ids`.
    pub fn lost(mut self, ids: impl IntoIterator<Item = i32>) -> Self {
        for id in ids {
            *self.0.entry(id).or_default() -= 1;
        }
        self
    }

    /// The changes that change something, by id.
    fn nonzero(&self) -> impl Iterator<Item = (i32, i64)> + '_ {
        self.0
            .iter()
            .map(|(id, d)| (*id, *d))
            .filter(|(_, d)| *d != 0)
    }
}

/// What [`recompute`] corrected: rows whose stored count differed from the rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Repaired {
    /// Posts whose comment or like count was wrong.
    pub posts: u64,
    /// Posts whose kept tag names or newest comments were wrong.
    pub lists: u64,
    /// Categories whose post count was wrong.
    pub categories: u64,
    /// Tags whose post count was wrong.
    pub tags: u64,
    /// Buckets of post positions whose count was wrong or missing
    /// ([`crate::post::position`]).
    pub positions: u64,
}

/// Adds `delta` to post `post_id`'s like count; returns the new count (0 if
/// there is no such post).
pub async fn add_likes(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    delta: i64,
) -> Result<i64, RepositoryError> {
    add_to_post(writer, post_id, post::Column::LikeCount, delta).await
}

/// Adds `delta` to post `post_id`'s approved-comment count.
pub async fn add_approved_comments(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    delta: i64,
) -> Result<(), RepositoryError> {
    add_to_post(writer, post_id, post::Column::CommentCount, delta).await?;
    Ok(())
}

async fn add_to_post(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    column: post::Column,
    delta: i64,
) -> Result<i64, RepositoryError> {
    const OPERATION: &str = "updating the post's counter";
    let update = Query::update()
        .table(post::Entity)
        .value(column, Expr::col(column).add(delta))
        .and_where(Expr::col(post::Column::Id).eq(post_id))
        .returning_col(column)
        .to_owned();
    let conn = writer.changing(&[post::Entity.table_name()]);
    let statement = StatementBuilder::build(&update, &conn.get_database_backend());
    let row = conn.query_one_raw(statement).await.during(OPERATION)?;
    match row {
        Some(row) => row.try_get_by_index(0).during(OPERATION),
        None => Ok(0),
    }
}

/// Applies `changes` to `categories.post_count`, in one statement.
pub async fn change_category_posts(
    writer: &mut Writer<impl ConnectionTrait>,
    changes: &PostCountChanges,
) -> Result<(), RepositoryError> {
    change_post_counts(writer, category::Entity, changes).await
}

/// Applies `changes` to `tags.post_count`, in one statement.
pub async fn change_tag_posts(
    writer: &mut Writer<impl ConnectionTrait>,
    changes: &PostCountChanges,
) -> Result<(), RepositoryError> {
    change_post_counts(writer, tag::Entity, changes).await
}

/// Applies `changes` to the `post_count` of `table`'s rows; nothing if no
/// count changes.
async fn change_post_counts(
    writer: &mut Writer<impl ConnectionTrait>,
    table: impl IntoIden + EntityName + Copy,
    changes: &PostCountChanges,
) -> Result<(), RepositoryError> {
    if changes.nonzero().next().is_none() {
        return Ok(());
    }
    let update = post_count_update(table, changes);
    run_update(writer, table.table_name(), update).await
}

/// `UPDATE t SET post_count = post_count + CASE id WHEN .. END WHERE id IN
/// (SELECT id FROM t WHERE id IN (..) ORDER BY id FOR NO KEY UPDATE)`: the
/// rows are locked in id order (PostgreSQL; SQLite has one writer at a
/// time). `NO KEY`: the key-share locks that inserting a post or a tag link
/// takes on these rows (foreign keys) must not block the count, or two
/// writes linking the same tags deadlock.
fn post_count_update(table: impl IntoIden + Copy, changes: &PostCountChanges) -> UpdateStatement {
    let id = || Expr::col(Alias::ID);
    let mut delta = CaseStatement::new();
    let mut ids = Vec::new();
    for (row, by) in changes.nonzero() {
        delta = delta.case(id().eq(row), by);
        ids.push(row);
    }
    let locked = Query::select()
        .column(Alias::ID)
        .from(table)
        .and_where(id().is_in(ids))
        .order_by(Alias::ID, sea_orm::Order::Asc)
        .lock(LockType::NoKeyUpdate)
        .to_owned();
    Query::update()
        .table(table)
        .value(
            Alias::PostCount,
            Expr::col(Alias::PostCount).add(Into::<Expr>::into(delta.finally(0))),
        )
        .and_where(id().in_subquery(locked))
        .to_owned()
}

/// The two columns [`post_count_update`] names in both tables.
#[derive(Clone, Copy)]
enum Alias {
    ID,
    PostCount,
}

impl Iden for Alias {
    fn unquoted(&self) -> &str {
        match self {
            Alias::ID => "id",
            Alias::PostCount => "post_count",
        }
    }
}

async fn run_update(
    writer: &mut Writer<impl ConnectionTrait>,
    table: &'static str,
    update: UpdateStatement,
) -> Result<(), RepositoryError> {
    const OPERATION: &str = "updating the post counts";
    let conn = writer.changing(&[table]);
    let statement = StatementBuilder::build(&update, &conn.get_database_backend());
    conn.execute_raw(statement).await.during(OPERATION)?;
    Ok(())
}

/// Every counter recomputed from the rows, writers of the counted tables held
/// off meanwhile (PostgreSQL locks them; SQLite has one writer at a time).
/// Run it in a transaction.
pub async fn recompute(
    writer: &mut Writer<impl ConnectionTrait>,
) -> Result<Repaired, RepositoryError> {
    const OPERATION: &str = "recomputing the counters";
    let backend = writer.reader().get_database_backend();
    if backend == DbBackend::Postgres {
        let lock = "LOCK TABLE posts, comments, likes, post_tags, categories, tags, \
                    post_buckets IN SHARE ROW EXCLUSIVE MODE";
        let conn = writer.reader();
        conn.execute_raw(raw(backend, lock))
            .await
            .during(OPERATION)?;
    }
    let mut counts = [0u64; 3];
    for (i, (table, sql)) in REPAIRS.iter().enumerate() {
        let conn = writer.changing(&[table]);
        counts[i] = conn
            .execute_raw(raw(backend, sql))
            .await
            .during(OPERATION)?
            .rows_affected();
    }
    let lists = card::refresh_all(writer).await?;
    let positions = position::recompute(writer).await?;
    Ok(Repaired {
        posts: counts[0],
        lists,
        categories: counts[1],
        tags: counts[2],
        positions,
    })
}

/// The table each repair changes, and the statement: only rows whose count is
/// wrong are written, so the affected rows are the corrections.
const REPAIRS: [(&str, &str); 3] = [
    (
        "posts",
        "UPDATE posts SET \
           comment_count = (SELECT COUNT(*) FROM comments \
                            WHERE comments.post_id = posts.id AND comments.is_approved), \
           like_count = (SELECT COUNT(*) FROM likes WHERE likes.post_id = posts.id) \
         WHERE comment_count <> (SELECT COUNT(*) FROM comments \
                                 WHERE comments.post_id = posts.id AND comments.is_approved) \
            OR like_count <> (SELECT COUNT(*) FROM likes WHERE likes.post_id = posts.id)",
    ),
    (
        "categories",
        "UPDATE categories SET post_count = \
           (SELECT COUNT(*) FROM posts WHERE posts.category_id = categories.id) \
         WHERE post_count <> (SELECT COUNT(*) FROM posts WHERE posts.category_id = categories.id)",
    ),
    (
        "tags",
        "UPDATE tags SET post_count = \
           (SELECT COUNT(*) FROM post_tags WHERE post_tags.tag_id = tags.id) \
         WHERE post_count <> (SELECT COUNT(*) FROM post_tags WHERE post_tags.tag_id = tags.id)",
    ),
];

fn raw(backend: DbBackend, sql: &str) -> sea_orm::Statement {
    sea_orm::Statement::from_string(backend, sql.to_owned())
}
