//! The card statement: everything a card shows, one row per post, in one
//! statement. The counts are the post's counter caches; its tag names and
//! its newest comments are JSON arrays kept on the post (`tag_names`,
//! `newest_comments`), rebuilt here by the writes that change them, so a page
//! of cards reads its rows and joins nothing per card. The detail view lists
//! every approved comment, from a correlated sub-select.

use blog_entities::{category, post, user};
use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ConnectionTrait, DbErr, EntityName, EntityTrait, FromQueryResult, JoinType, QueryResult,
    QuerySelect, RelationTrait, Select, Statement,
};

use super::PostCardRow;
use crate::comment::CommentRow;
use crate::error::During;
use crate::{Backend, RepositoryError, Writer};

/// Which of a post's approved comments its card carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommentsShown {
    /// The newest `n`, newest first (the list views).
    Newest(u64),
    /// Every one, oldest first (the detail view).
    All,
}

/// The columns of the card statement, as they come.
#[derive(FromQueryResult)]
struct CardRecord {
    id: i32,
    title: String,
    author_id: i32,
    author: String,
    category_id: i32,
    category: String,
    comment_count: i64,
    like_count: i64,
    word_count: i32,
    view_count: i64,
    created_at: DateTime<Utc>,
    tags_json: String,
    comments_json: String,
}

/// One comment in `comments_json`: id, author id, author, content, created at.
type CommentJson = (i32, i32, String, String, String);

/// The card statement over `posts` joined to its author and category.
pub(crate) fn select(backend: Backend, comments: CommentsShown) -> Select<post::Entity> {
    let listed = match comments {
        CommentsShown::Newest(n) if n == KEPT_COMMENTS => {
            Expr::col((post::Entity, post::Column::NewestComments))
        }
        shown => Expr::cust(comments_json(backend, shown)),
    };
    post::Entity::find()
        .select_only()
        .columns([
            post::Column::Id,
            post::Column::Title,
            post::Column::CategoryId,
            post::Column::CommentCount,
            post::Column::LikeCount,
            post::Column::WordCount,
            post::Column::ViewCount,
            post::Column::CreatedAt,
        ])
        .column_as(post::Column::UserId, "author_id")
        .column_as(user::Column::Username, "author")
        .column_as(category::Column::Name, "category")
        .expr_as(
            Expr::col((post::Entity, post::Column::TagNames)),
            "tags_json",
        )
        .expr_as(listed, "comments_json")
        .join(JoinType::InnerJoin, post::Relation::User.def())
        .join(JoinType::InnerJoin, post::Relation::Category.def())
}

/// Reads one row of the card statement.
pub(crate) fn from_row(
    row: &QueryResult,
    comments: CommentsShown,
) -> Result<PostCardRow, RepositoryError> {
    const OPERATION: &str = "reading a post card";
    let record = CardRecord::from_query_result(row, "").during(OPERATION)?;
    let tags: Vec<String> = parse(&record.tags_json).during(OPERATION)?;
    let listed: Vec<CommentJson> = parse(&record.comments_json).during(OPERATION)?;
    let mut shown = Vec::with_capacity(listed.len());
    for (id, author_id, author, content, created_at) in listed {
        shown.push(CommentRow {
            id,
            post_id: record.id,
            author_id,
            author,
            content,
            created_at: timestamp(&created_at).during(OPERATION)?,
        });
    }
    // The aggregate's order is the database's choice: put them in the view's.
    shown.sort_by_key(|c| (c.created_at, c.id));
    if matches!(comments, CommentsShown::Newest(_)) {
        shown.reverse();
    }
    Ok(PostCardRow {
        id: record.id,
        title: record.title,
        author_id: record.author_id,
        author: record.author,
        category_id: record.category_id,
        category: record.category,
        tags,
        comment_count: record.comment_count,
        like_count: record.like_count,
        word_count: record.word_count,
        view_count: record.view_count,
        created_at: record.created_at,
        comments: shown,
    })
}

/// How many approved comments `posts.newest_comments` keeps.
pub(crate) const KEPT_COMMENTS: u64 = 5;

/// A list kept on each post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeptList {
    /// `posts.tag_names`.
    TagNames,
    /// `posts.newest_comments`.
    NewestComments,
}

impl KeptList {
    fn assignment(self, backend: Backend) -> (&'static str, String) {
        match self {
            KeptList::TagNames => ("tag_names", tags_json(backend)),
            KeptList::NewestComments => (
                "newest_comments",
                comments_json(backend, CommentsShown::Newest(KEPT_COMMENTS)),
            ),
        }
    }
}

/// Rebuilds `lists` of post `post_id` from the rows (a write changed them).
pub(crate) async fn refresh(
    writer: &mut Writer<impl ConnectionTrait>,
    post_id: i32,
    lists: &[KeptList],
) -> Result<(), RepositoryError> {
    refresh_where(writer, lists, "posts.id = {}", post_id).await
}

/// Rebuilds the newest comments of every post user `user_id` has an
/// approved comment on (the user's name changed).
pub(crate) async fn refresh_commented_by(
    writer: &mut Writer<impl ConnectionTrait>,
    user_id: i32,
) -> Result<(), RepositoryError> {
    let commented = "posts.id IN (SELECT comments.post_id FROM comments \
                     WHERE comments.user_id = {} AND comments.is_approved)";
    refresh_where(writer, &[KeptList::NewestComments], commented, user_id).await
}

/// Rebuilds `lists` of the posts `condition` picks, its `{}` the one value.
async fn refresh_where(
    writer: &mut Writer<impl ConnectionTrait>,
    lists: &[KeptList],
    condition: &str,
    value: i32,
) -> Result<(), RepositoryError> {
    let backend = Backend::of(writer.reader());
    let placeholder = match backend {
        Backend::Postgres => "$1",
        Backend::Sqlite => "?",
    };
    let sql = rebuild_sql(backend, lists, &condition.replace("{}", placeholder));
    let conn = writer.changing(&[post::Entity.table_name()]);
    let statement =
        Statement::from_sql_and_values(conn.get_database_backend(), sql, [value.into()]);
    conn.execute_raw(statement)
        .await
        .during("rebuilding the posts' lists")?;
    Ok(())
}

/// Rebuilds every post's lists that differ from the rows (a bulk load, a
/// repair); returns how many posts changed.
pub(crate) async fn refresh_all(
    writer: &mut Writer<impl ConnectionTrait>,
) -> Result<u64, RepositoryError> {
    let backend = Backend::of(writer.reader());
    let lists = [KeptList::TagNames, KeptList::NewestComments];
    let differs: Vec<String> = lists
        .iter()
        .map(|list| {
            let (column, rebuilt) = list.assignment(backend);
            format!("{column} <> {rebuilt}")
        })
        .collect();
    let sql = rebuild_sql(backend, &lists, &differs.join(" OR "));
    let conn = writer.changing(&[post::Entity.table_name()]);
    let result = conn
        .execute_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .during("rebuilding the posts' lists")?;
    Ok(result.rows_affected())
}

fn rebuild_sql(backend: Backend, lists: &[KeptList], condition: &str) -> String {
    let assignments: Vec<String> = lists
        .iter()
        .map(|list| {
            let (column, rebuilt) = list.assignment(backend);
            format!("{column} = {rebuilt}")
        })
        .collect();
    format!(
        "UPDATE posts SET {} WHERE {condition}",
        assignments.join(", ")
    )
}

/// The post's tag names as a JSON array, alphabetical.
fn tags_json(backend: Backend) -> String {
    let names = "SELECT tags.name FROM post_tags JOIN tags ON tags.id = post_tags.tag_id \
                 WHERE post_tags.post_id = posts.id";
    match backend {
        Backend::Postgres => format!(
            "COALESCE((SELECT json_agg(t.name ORDER BY t.name) FROM ({names}) t)::text, '[]')"
        ),
        Backend::Sqlite => {
            format!("(SELECT json_group_array(t.name) FROM ({names} ORDER BY tags.name) t)")
        }
    }
}

/// The post's approved comments with their authors as a JSON array of
/// `[id, author id, author, content, created at]`, oldest first (a fixed
/// order, so that rebuilding unchanged rows gives the same text).
fn comments_json(backend: Backend, comments: CommentsShown) -> String {
    let limit = match comments {
        CommentsShown::Newest(n) => {
            format!("ORDER BY comments.created_at DESC, comments.id DESC LIMIT {n}")
        }
        CommentsShown::All => String::new(),
    };
    let shown = format!(
        "SELECT comments.id, comments.user_id, comments.content, comments.created_at \
         FROM comments WHERE comments.post_id = posts.id AND comments.is_approved {limit}"
    );
    let join = format!("FROM ({shown}) c JOIN users u ON u.id = c.user_id");
    match backend {
        Backend::Postgres => format!(
            "COALESCE((SELECT json_agg(json_build_array(c.id, c.user_id, u.username, \
             c.content, c.created_at) ORDER BY c.created_at, c.id) {join})::text, '[]')"
        ),
        Backend::Sqlite => format!(
            "(SELECT json_group_array(json_array(c.id, c.user_id, u.username, \
             c.content, c.created_at)) {join})"
        ),
    }
}

fn parse<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, DbErr> {
    serde_json::from_str(json).map_err(|e| DbErr::Json(e.to_string()))
}

/// A timestamp as the JSON carries it: RFC 3339 from PostgreSQL, or the text
/// SQLite stores (RFC 3339, or with a space for the `T`).
fn timestamp(text: &str) -> Result<DateTime<Utc>, DbErr> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    if let Ok(time) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Ok(time.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .map(|naive| naive.and_utc())
        .map_err(|e| DbErr::Type(format!("comment timestamp {text:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_both_backends_parse() {
        let expected = DateTime::parse_from_rfc3339("2026-11-25T10:00:00.5Z").unwrap();
        for text in [
            "2026-11-25T10:00:00.500+00:00",
            "2026-11-25 10:00:00.5+00:00",
            "2026-11-25 10:00:00.5",
        ] {
            assert_eq!(timestamp(text).unwrap(), expected, "{text}");
        }
    }
}
