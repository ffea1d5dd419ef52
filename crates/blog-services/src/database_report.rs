//! The report behind `blog analyze`: what PostgreSQL's statistics say about
//! the service's queries and tables, with a suggestion where sequential scans
//! dominate.

use blog_repositories::pg_stats::{
    self, SlowStatement, StatementStats, TableStats, UnindexedForeignKey, UnusedIndex,
};
use blog_repositories::{Backend, DbPool};

use crate::ServiceError;

/// A table this large, read mostly by sequential scans, deserves an index.
pub const LARGE_TABLE_ROWS: i64 = 10_000;

/// Why an analysis could not run.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// The database is SQLite.
    #[error("the analysis needs PostgreSQL (DATABASE_URL=postgres://...); this database is SQLite")]
    NeedsPostgres,
    #[error(
        "pg_stat_statements is not loaded. To enable it: run ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'; as a superuser, restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements; in this database"
    )]
    /// pg_stat_statements is not in `shared_preload_libraries`.
    StatementsNotPreloaded,
    #[error(
        "pg_stat_statements is loaded but not installed in this database. To enable it: run CREATE EXTENSION pg_stat_statements; in this database"
    )]
    /// pg_stat_statements is loaded but not created in this database.
    StatementsNotInstalled,
    /// `--table` named no table.
    #[error("no table named {0:?} in this database (see `blog analyze` for the list)")]
    UnknownTable(String),
    /// The database failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<blog_repositories::RepositoryError> for AnalyzeError {
    fn from(err: blog_repositories::RepositoryError) -> Self {
        AnalyzeError::Service(err.into())
    }
}

/// One table's figures and, if warranted, what to do.
#[derive(Debug, Clone)]
pub struct TableReport {
    /// Its scan and write counters.
    pub stats: TableStats,
    /// What to do about its scans, if anything.
    pub suggestion: Option<String>,
}

/// Every table, plus the indexes nobody uses and the foreign keys with none.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Every user table.
    pub tables: Vec<TableReport>,
    /// Indexes never scanned.
    pub unused_indexes: Vec<UnusedIndex>,
    /// Foreign keys no index leads with.
    pub unindexed_foreign_keys: Vec<UnindexedForeignKey>,
}

fn require_postgres(db: &DbPool) -> Result<(), AnalyzeError> {
    match Backend::of(db) {
        Backend::Postgres => Ok(()),
        Backend::Sqlite => Err(AnalyzeError::NeedsPostgres),
    }
}

/// The 10 statements with the highest mean time above `min_ms`.
pub async fn slow_queries(db: &DbPool, min_ms: f64) -> Result<Vec<SlowStatement>, AnalyzeError> {
    require_postgres(db)?;
    match pg_stats::statement_stats(db).await? {
        StatementStats::Ready => Ok(pg_stats::slow_statements(db, min_ms, 10).await?),
        StatementStats::NotPreloaded => Err(AnalyzeError::StatementsNotPreloaded),
        StatementStats::NotInstalled => Err(AnalyzeError::StatementsNotInstalled),
    }
}

/// One table's scans and writes.
pub async fn table(db: &DbPool, name: &str) -> Result<TableReport, AnalyzeError> {
    require_postgres(db)?;
    let stats = pg_stats::table_stats(db, Some(name))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AnalyzeError::UnknownTable(name.to_owned()))?;
    Ok(report(stats))
}

/// Every user table, unused indexes and unindexed foreign keys.
pub async fn overview(db: &DbPool) -> Result<Overview, AnalyzeError> {
    require_postgres(db)?;
    let (tables, unused, unindexed) = tokio::join!(
        pg_stats::table_stats(db, None),
        pg_stats::unused_indexes(db),
        pg_stats::unindexed_foreign_keys(db),
    );
    Ok(Overview {
        tables: tables?.into_iter().map(report).collect(),
        unused_indexes: unused?,
        unindexed_foreign_keys: unindexed?,
    })
}

fn report(stats: TableStats) -> TableReport {
    let suggestion = (stats.live_rows >= LARGE_TABLE_ROWS && stats.seq_scan > stats.idx_scan).then(|| {
        format!(
            "sequential scans dominate ({} vs {} index scans) on {} rows: find the queries filtering {} \
             (blog analyze --slow-queries) and add an index on the columns they filter or sort by",
            stats.seq_scan, stats.idx_scan, stats.live_rows, stats.table
        )
    });
    TableReport { stats, suggestion }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(live_rows: i64, seq_scan: i64, idx_scan: i64) -> TableStats {
        TableStats {
            table: "posts".into(),
            live_rows,
            seq_scan,
            seq_tup_read: 0,
            idx_scan,
            idx_tup_fetch: 0,
            inserts: 0,
            updates: 0,
            deletes: 0,
        }
    }

    #[test]
    fn sequential_scans_on_large_tables_get_a_suggestion() {
        assert!(report(stats(20_000, 50, 10)).suggestion.is_some());
        assert!(report(stats(20_000, 10, 50)).suggestion.is_none());
        assert!(
            report(stats(500, 50, 10)).suggestion.is_none(),
            "small tables are fine scanned"
        );
    }
}
