//! Batched bulk loading, for `blog seed` and test fixtures: many rows per
//! INSERT, every table in one transaction, explicit ids.

use blog_entities::{
    auth_token, category, comment, follow, idempotency_key, like, post, post_bucket, post_tag, tag,
    user,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityName, EntityTrait, PaginatorTrait,
    Statement,
};

use crate::error::During;
use crate::{RepositoryError, Writer};

/// Rows per INSERT statement: well under PostgreSQL's 65,535 and SQLite's
/// 32,766 bind parameters for our widest table (8 columns).
pub const ROWS_PER_STATEMENT: usize = 1000;

/// A whole dataset, rows with their ids already chosen, parents before children.
#[derive(Debug, Default)]
pub struct Dataset {
    /// `users` rows.
    pub users: Vec<user::Model>,
    /// `categories` rows.
    pub categories: Vec<category::Model>,
    /// `tags` rows.
    pub tags: Vec<tag::Model>,
    /// `posts` rows.
    pub posts: Vec<post::Model>,
    /// `post_tags` rows.
    pub post_tags: Vec<post_tag::Model>,
    /// `comments` rows.
    pub comments: Vec<comment::Model>,
    /// `likes` rows.
    pub likes: Vec<like::Model>,
    /// `follows` rows.
    pub follows: Vec<follow::Model>,
}

impl Dataset {
    /// Every row, all tables together (for progress reporting).
    pub fn row_count(&self) -> usize {
        self.users.len()
            + self.categories.len()
            + self.tags.len()
            + self.posts.len()
            + self.post_tags.len()
            + self.comments.len()
            + self.likes.len()
            + self.follows.len()
    }
}

/// True when the database holds no users and no posts.
pub async fn is_empty(conn: &impl ConnectionTrait) -> Result<bool, RepositoryError> {
    const OPERATION: &str = "checking whether the database is empty";
    let users = user::Entity::find().count(conn).await.during(OPERATION)?;
    let posts = post::Entity::find().count(conn).await.during(OPERATION)?;
    Ok(users == 0 && posts == 0)
}

/// Every table of the dataset, the tokens, the idempotency keys and the post
/// positions, children before parents.
fn tables() -> [&'static str; 11] {
    [
        post_bucket::Entity.table_name(),
        follow::Entity.table_name(),
        idempotency_key::Entity.table_name(),
        auth_token::Entity.table_name(),
        like::Entity.table_name(),
        post_tag::Entity.table_name(),
        comment::Entity.table_name(),
        post::Entity.table_name(),
        tag::Entity.table_name(),
        category::Entity.table_name(),
        user::Entity.table_name(),
    ]
}

/// Deletes every row of the eleven tables and restarts their id sequences.
pub async fn reset(writer: &mut Writer<impl ConnectionTrait>) -> Result<(), RepositoryError> {
    const OPERATION: &str = "emptying the database";
    let tables = tables();
    if writer.reader().get_database_backend() == DbBackend::Postgres {
        let sql = format!("TRUNCATE {} RESTART IDENTITY CASCADE", tables.join(", "));
        let conn = writer.changing(&tables);
        conn.execute_raw(raw(conn, sql)).await.during(OPERATION)?;
        return Ok(());
    }
    for table in tables {
        let conn = writer.changing(&[table]);
        let sql = format!("DELETE FROM {table}");
        conn.execute_raw(raw(conn, sql)).await.during(OPERATION)?;
    }
    // SQLite's own bookkeeping of AUTOINCREMENT ids, not a table of ours; only
    // the emptied tables' counters (the outbox's ids must never repeat).
    let conn = writer.reader();
    let names: Vec<String> = tables.iter().map(|t| format!("'{t}'")).collect();
    let sql = format!(
        "DELETE FROM sqlite_sequence WHERE name IN ({})",
        names.join(", ")
    );
    conn.execute_raw(raw(conn, sql)).await.during(OPERATION)?;
    Ok(())
}

/// Inserts `dataset` into an empty database, `ROWS_PER_STATEMENT` rows per
/// statement; `progress` is told how many rows each statement wrote. Run it
/// in one transaction, then [`analyze`].
pub async fn insert_dataset(
    writer: &mut Writer<impl ConnectionTrait>,
    dataset: Dataset,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<(), RepositoryError> {
    const OPERATION: &str = "loading the dataset";
    if !is_empty(writer.reader()).await? {
        return Err(RepositoryError::NotEmpty);
    }
    insert_batched(writer, dataset.users, progress).await?;
    insert_batched(writer, dataset.categories, progress).await?;
    insert_batched(writer, dataset.tags, progress).await?;
    insert_batched(writer, dataset.posts, progress).await?;
    insert_batched(writer, dataset.post_tags, progress).await?;
    insert_batched(writer, dataset.comments, progress).await?;
    insert_batched(writer, dataset.likes, progress).await?;
    insert_batched(writer, dataset.follows, progress).await?;
    // The lists each card shows and the posts' positions, from the rows
    // just written.
    crate::post::card::refresh_all(writer).await?;
    crate::post::position::recompute(writer).await?;
    if writer.reader().get_database_backend() == DbBackend::Postgres {
        // Rows came with explicit ids: move each sequence past the largest.
        for table in ["users", "categories", "tags", "posts", "comments", "likes"] {
            let conn = writer.reader();
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            );
            conn.execute_raw(raw(conn, sql)).await.during(OPERATION)?;
        }
    }
    Ok(())
}

/// Fresh planner statistics, so the first queries on new data plan well
/// (after a bulk load has committed).
pub async fn analyze(conn: &impl ConnectionTrait) -> Result<(), RepositoryError> {
    let sql = match conn.get_database_backend() {
        DbBackend::Postgres => "ANALYZE",
        _ => "PRAGMA optimize",
    };
    conn.execute_raw(raw(conn, sql.to_owned()))
        .await
        .during("refreshing the planner statistics")?;
    Ok(())
}

/// `sql` as a statement the statement counter sees (`execute_unprepared`
/// bypasses it).
fn raw(conn: &impl ConnectionTrait, sql: String) -> Statement {
    Statement::from_string(conn.get_database_backend(), sql)
}

/// Inserts `models` in statements of `ROWS_PER_STATEMENT` rows.
async fn insert_batched<C, M, A>(
    writer: &mut Writer<C>,
    models: Vec<M>,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<(), RepositoryError>
where
    C: ConnectionTrait,
    M: sea_orm::IntoActiveModel<A> + Send,
    A: ActiveModelTrait + Send,
    <A as ActiveModelTrait>::Entity: EntityTrait,
{
    let table = <A as ActiveModelTrait>::Entity::default().table_name();
    let mut rows = models.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows
            .by_ref()
            .take(ROWS_PER_STATEMENT)
            .map(|m| m.into_active_model().reset_all())
            .collect();
        let n = batch.len();
        <A as ActiveModelTrait>::Entity::insert_many(batch)
            .exec_without_returning(writer.changing(&[table]))
            .await
            .during("inserting a batch of rows")?;
        progress(n);
    }
    Ok(())
}
