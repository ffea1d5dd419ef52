//! The schema of the blog, as sea-orm-migration migrations.
//!
//! `blog migrate` applies them; `blog serve` does too unless `BLOG_AUTO_MIGRATE=false`.
//! A landed migration is never edited: add a new file instead (test databases are
//! cloned from a template named after the migration list).

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_schema;
mod m20261125_000002_search_statistics;
mod m20261125_000003_auth_tokens;
mod m20261201_000001_outbox_and_idempotency;
mod m20261201_000002_counter_caches;
mod m20261206_000001_post_positions;
mod m20261206_000002_conduit;

/// Every migration of the service, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_schema::Migration),
            Box::new(m20261125_000002_search_statistics::Migration),
            Box::new(m20261125_000003_auth_tokens::Migration),
            Box::new(m20261201_000001_outbox_and_idempotency::Migration),
            Box::new(m20261201_000002_counter_caches::Migration),
            Box::new(m20261206_000001_post_positions::Migration),
            Box::new(m20261206_000002_conduit::Migration),
        ]
    }
}
