//! Batched bulk loading, for `blog seed` and test fixtures: many rows per
//! INSERT, every table in one transaction, explicit ids.

use blog_entities::{category, comment, like, post, post_tag, tag, user};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    TransactionTrait,
};

use crate::RepositoryError;

/// Rows per INSERT statement: well under PostgreSQL's 65,535 and SQLite's
/// 32,766 bind parameters for our widest table (8 columns).
pub const ROWS_PER_STATEMENT: usize = 1000;

/// A whole dataset, rows with their ids already chosen, parents before children.
#[derive(Debug, Default)]
pub struct Dataset {
    pub users: Vec<user::Model>,
    pub categories: Vec<category::Model>,
    pub tags: Vec<tag::Model>,
    pub posts: Vec<post::Model>,
    pub post_tags: Vec<post_tag::Model>,
    pub comments: Vec<comment::Model>,
    pub likes: Vec<like::Model>,
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
    }
}

/// True when the database holds no users and no posts.
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, RepositoryError> {
    let users = user::Entity::find().count(db).await?;
    let posts = post::Entity::find().count(db).await?;
    Ok(users == 0 && posts == 0)
}

/// Deletes every row of the seven tables and restarts their id sequences.
pub async fn reset(db: &DatabaseConnection) -> Result<(), RepositoryError> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(
                "TRUNCATE auth_tokens, likes, post_tags, comments, posts, tags, categories, users \
                 RESTART IDENTITY CASCADE",
            )
            .await?;
        }
        _ => {
            let txn = db.begin().await?;
            for table in [
                "auth_tokens",
                "likes",
                "post_tags",
                "comments",
                "posts",
                "tags",
                "categories",
                "users",
            ] {
                txn.execute_unprepared(&format!("DELETE FROM {table}"))
                    .await?;
            }
            txn.execute_unprepared("DELETE FROM sqlite_sequence")
                .await?;
            txn.commit().await?;
        }
    }
    Ok(())
}

/// Inserts `dataset` into an empty database in one transaction, `ROWS_PER_STATEMENT`
/// rows per statement; `progress` is told how many rows each statement wrote.
pub async fn insert_dataset(
    db: &DatabaseConnection,
    dataset: Dataset,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<(), RepositoryError> {
    if !is_empty(db).await? {
        return Err(RepositoryError::NotEmpty);
    }
    let txn = db.begin().await?;
    insert_batched(&txn, dataset.users, progress).await?;
    insert_batched(&txn, dataset.categories, progress).await?;
    insert_batched(&txn, dataset.tags, progress).await?;
    insert_batched(&txn, dataset.posts, progress).await?;
    insert_batched(&txn, dataset.post_tags, progress).await?;
    insert_batched(&txn, dataset.comments, progress).await?;
    insert_batched(&txn, dataset.likes, progress).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Rows came with explicit ids: move each sequence past the largest.
        for table in ["users", "categories", "tags", "posts", "comments", "likes"] {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .await?;
        }
    }
    txn.commit().await?;
    // Fresh planner statistics, so the first queries on the new data plan well.
    let analyze = match db.get_database_backend() {
        DbBackend::Postgres => "ANALYZE",
        _ => "PRAGMA optimize",
    };
    db.execute_unprepared(analyze).await?;
    Ok(())
}

/// Inserts `models` in statements of `ROWS_PER_STATEMENT` rows.
async fn insert_batched<C, M, A>(
    conn: &C,
    models: Vec<M>,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<(), RepositoryError>
where
    C: ConnectionTrait,
    M: sea_orm::IntoActiveModel<A> + Send,
    A: ActiveModelTrait + Send,
    <A as ActiveModelTrait>::Entity: EntityTrait,
{
    let mut rows = models.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows
            .by_ref()
            .take(ROWS_PER_STATEMENT)
            .map(|m| m.into_active_model().reset_all())
            .collect();
        let n = batch.len();
        <A as ActiveModelTrait>::Entity::insert_many(batch)
            .exec_without_returning(conn)
            .await?;
        progress(n);
    }
    Ok(())
}
