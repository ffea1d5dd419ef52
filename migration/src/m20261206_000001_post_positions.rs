//! The positions of posts in the list of all posts, so that a deep page is
//! found without walking the posts before it: `post_buckets` counts the
//! posts of each run of 1,000 ids (bucket `id / 1000`). The list is in id
//! order (publication order: ids and dates agree), so the posts before a
//! page are the buckets above it, summed, and a walk of less than one bucket.
//! The writes that add or remove a post change its bucket's count in their
//! own transaction; `blog repair-counts` recomputes them. Filled here from
//! the posts already present.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PostBuckets {
    Table,
    Bucket,
    PostCount,
}

/// The counts from the rows (the statement `blog seed` runs too; kept here so
/// that this migration never changes).
const FILL: &str = "INSERT INTO post_buckets (bucket, post_count) \
                    SELECT id / 1000, COUNT(*) FROM posts GROUP BY id / 1000";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PostBuckets::Table)
                    .if_not_exists()
                    .col(integer(PostBuckets::Bucket).primary_key())
                    .col(big_integer(PostBuckets::PostCount).default(0))
                    .to_owned(),
            )
            .await?;
        manager.get_connection().execute_unprepared(FILL).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PostBuckets::Table).to_owned())
            .await
    }
}
