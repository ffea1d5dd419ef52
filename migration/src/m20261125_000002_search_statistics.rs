//! Finer planner statistics for full-text search (PostgreSQL only).
//!
//! With the default statistics target PostgreSQL keeps only the ~70 most common
//! lexemes of `search_vector`; every other word is then estimated at 0.5 % of the
//! posts, so a rare word is searched by walking the `created_at` index and
//! filtering 17,000 rows (49 ms at 20,000 posts) instead of asking the GIN index
//! (3 ms). A target of 1000 keeps ~600 lexemes, rare words included, and the
//! planner picks the GIN index for rare words and the `created_at` index for
//! common ones: search then costs the same whether 20 or 20,000 posts match.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(
                "ALTER TABLE posts ALTER COLUMN search_vector SET STATISTICS 1000",
            )
            .await?;
            db.execute_unprepared("ANALYZE posts").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE posts ALTER COLUMN search_vector SET STATISTICS -1",
                )
                .await?;
        }
        Ok(())
    }
}
