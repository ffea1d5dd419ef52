//! Batched bulk loading, for `blog seed` and test fixtures: many rows per
//! INSERT, explicit ids; in one transaction ([`insert_dataset`]), or on
//! PostgreSQL over two connections at once ([`load`]).

use std::sync::Mutex;

use blog_entities::{
    auth_token, category, comment, follow, idempotency_key, like, post, post_bucket, post_tag, tag,
    user,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityName, EntityTrait, PaginatorTrait,
    Statement,
};

use crate::error::During;
use crate::{DbPool, DbTransaction, RepositoryError, Writer};

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
    finish_load(writer).await
}

/// Loads `dataset` into an empty database and returns the transaction of
/// its last stage (the cards' lists, the positions, the sequences), open for
/// the caller to add to and commit. On PostgreSQL the rows go in over two
/// connections at once: one backend works on one core, and most of a load
/// is PostgreSQL's (the posts' search vectors, every index), so on two cores
/// this takes a third less time. Each stage is committed before the next
/// (the parents; the posts; their children), so a failure can leave part of
/// the rows (`blog seed --reset` empties them), and a service reading the
/// database meanwhile can see posts without their lists or positions until
/// the last stage commits. Elsewhere, one transaction.
pub async fn load(
    db: &DbPool,
    dataset: Dataset,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<Writer<DbTransaction>, RepositoryError> {
    if db.get_database_backend() != DbBackend::Postgres {
        let mut writer = Writer::begin(db).await?;
        insert_dataset(&mut writer, dataset, progress).await?;
        return Ok(writer);
    }
    // Two connections at most at any time: the maintenance pool's size.
    if !is_empty(db).await? {
        return Err(RepositoryError::NotEmpty);
    }
    let Dataset {
        users,
        categories,
        tags,
        mut posts,
        post_tags,
        comments,
        likes,
        follows,
    } = dataset;
    let progress = Mutex::new(progress);
    let report = |n: usize| {
        if let Ok(mut progress) = progress.lock() {
            progress(n);
        }
    };
    let mut parents = Writer::begin(db).await?;
    insert_batched(&mut parents, users, &mut { report }).await?;
    insert_batched(&mut parents, categories, &mut { report }).await?;
    insert_batched(&mut parents, tags, &mut { report }).await?;
    parents.commit().await?;
    let later_posts = posts.split_off(posts.len() / 2);
    let (mut report_first, mut report_second) = (report, report);
    tokio::try_join!(
        committed(db, posts, &mut report_first),
        committed(db, later_posts, &mut report_second),
    )?;
    tokio::try_join!(
        async {
            let mut children = Writer::begin(db).await?;
            insert_batched(&mut children, post_tags, &mut { report }).await?;
            insert_batched(&mut children, comments, &mut { report }).await?;
            children.commit().await
        },
        async {
            let mut children = Writer::begin(db).await?;
            insert_batched(&mut children, likes, &mut { report }).await?;
            insert_batched(&mut children, follows, &mut { report }).await?;
            children.commit().await
        },
    )?;
    let mut writer = Writer::begin(db).await?;
    finish_load(&mut writer).await?;
    Ok(writer)
}

/// `models` inserted in a transaction of their own, committed.
async fn committed<M, A>(
    db: &DbPool,
    models: Vec<M>,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<(), RepositoryError>
where
    M: sea_orm::IntoActiveModel<A> + Send,
    A: ActiveModelTrait + Send,
    <A as ActiveModelTrait>::Entity: EntityTrait,
{
    let mut writer = Writer::begin(db).await?;
    insert_batched(&mut writer, models, progress).await?;
    writer.commit().await?;
    Ok(())
}

/// What follows the rows of a load: the lists each card shows and the posts'
/// positions, from the rows just written, and (on PostgreSQL) each id
/// sequence moved past the largest id.
async fn finish_load(writer: &mut Writer<impl ConnectionTrait>) -> Result<(), RepositoryError> {
    const OPERATION: &str = "finishing the load";
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
