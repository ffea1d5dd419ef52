//! PostgreSQL's own statistics views, for `blog analyze`: slow statements
//! (pg_stat_statements), table and index use, foreign keys without an index.
//! Every user value is bound as a parameter.

use sea_orm::{ConnectionTrait, FromQueryResult, Statement, Value};

use crate::RepositoryError;
use crate::error::During;

/// Whether pg_stat_statements can be read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementStats {
    /// Preloaded and installed: `slow_statements` can run.
    Ready,
    /// The library is not in `shared_preload_libraries`.
    NotPreloaded,
    /// Preloaded, but `CREATE EXTENSION pg_stat_statements` was not run here.
    NotInstalled,
}

/// One statement shape from pg_stat_statements.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct SlowStatement {
    /// The normalized statement text.
    pub query: String,
    /// How many times it ran.
    pub calls: i64,
    /// Mean execution time.
    pub mean_ms: f64,
    /// Summed execution time.
    pub total_ms: f64,
    /// Rows returned or affected, in total.
    pub rows: i64,
}

/// How a table is read and written (pg_stat_user_tables).
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct TableStats {
    /// The table's name.
    pub table: String,
    /// Rows, from the counter or the planner's estimate.
    pub live_rows: i64,
    /// Sequential scans.
    pub seq_scan: i64,
    /// Rows read by sequential scans.
    pub seq_tup_read: i64,
    /// Index scans.
    pub idx_scan: i64,
    /// Rows fetched by index scans.
    pub idx_tup_fetch: i64,
    /// Rows inserted.
    pub inserts: i64,
    /// Rows updated.
    pub updates: i64,
    /// Rows deleted.
    pub deletes: i64,
}

/// An index no query has used since the statistics were reset.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct UnusedIndex {
    /// The indexed table.
    pub table: String,
    /// The index's name.
    pub index: String,
    /// Its size on disk.
    pub size_bytes: i64,
}

/// A foreign key whose columns lead no index: deletes of the parent scan the child.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct UnindexedForeignKey {
    /// The referencing table.
    pub table: String,
    /// The constraint's name.
    pub constraint: String,
    /// Its columns, comma-separated.
    pub columns: String,
}

/// Every row of `sql` with `values` bound, as `T`s.
async fn all<T: FromQueryResult>(
    db: &impl ConnectionTrait,
    operation: &'static str,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<T>, RepositoryError> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            values,
        ))
        .await
        .during(operation)?;
    rows.iter()
        .map(|row| T::from_query_result(row, "").during(operation))
        .collect()
}

/// Whether pg_stat_statements is preloaded and installed in this database.
pub async fn statement_stats(db: &impl ConnectionTrait) -> Result<StatementStats, RepositoryError> {
    #[derive(FromQueryResult)]
    struct Probe {
        preloaded: bool,
        installed: bool,
    }
    let probe: Vec<Probe> = all(
        db,
        "probing for pg_stat_statements",
        "SELECT current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%' AS preloaded, \
         EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed",
        vec![],
    )
    .await?;
    Ok(match probe.first() {
        Some(Probe {
            preloaded: false, ..
        })
        | None => StatementStats::NotPreloaded,
        Some(Probe {
            installed: false, ..
        }) => StatementStats::NotInstalled,
        Some(_) => StatementStats::Ready,
    })
}

/// The `limit` statements of this database with the highest mean time above `min_ms`.
pub async fn slow_statements(
    db: &impl ConnectionTrait,
    min_ms: f64,
    limit: i64,
) -> Result<Vec<SlowStatement>, RepositoryError> {
    all(
        db,
        "reading pg_stat_statements",
        "SELECT query, calls, mean_exec_time AS mean_ms, total_exec_time AS total_ms, rows \
         FROM pg_stat_statements \
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND mean_exec_time > $1 \
         ORDER BY mean_exec_time DESC LIMIT $2",
        vec![min_ms.into(), limit.into()],
    )
    .await
}

/// Scan and write counters of every user table, or of the one named `table`.
pub async fn table_stats(
    db: &impl ConnectionTrait,
    table: Option<&str>,
) -> Result<Vec<TableStats>, RepositoryError> {
    all(
        db,
        "reading pg_stat_user_tables",
        // Live rows: the counter if set, else the planner's estimate (the counter
        // restarts at 0 with pg_stat_reset(), the estimate does not).
        "SELECT s.relname AS table, \
         GREATEST(s.n_live_tup, c.reltuples::bigint, 0) AS live_rows, s.seq_scan, s.seq_tup_read, \
         COALESCE(s.idx_scan, 0) AS idx_scan, COALESCE(s.idx_tup_fetch, 0) AS idx_tup_fetch, \
         s.n_tup_ins AS inserts, s.n_tup_upd AS updates, s.n_tup_del AS deletes \
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid \
         WHERE $1::text IS NULL OR s.relname = $1 ORDER BY s.relname",
        vec![table.map(str::to_owned).into()],
    )
    .await
}

/// Indexes never scanned, except those enforcing a primary key or uniqueness.
pub async fn unused_indexes(
    db: &impl ConnectionTrait,
) -> Result<Vec<UnusedIndex>, RepositoryError> {
    all(
        db,
        "reading pg_stat_user_indexes",
        "SELECT s.relname AS table, s.indexrelname AS index, \
         pg_relation_size(s.indexrelid) AS size_bytes \
         FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid \
         WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary \
         ORDER BY pg_relation_size(s.indexrelid) DESC, s.indexrelname",
        vec![],
    )
    .await
}

/// Foreign keys of the public schema whose columns are not the leading columns
/// of any index.
pub async fn unindexed_foreign_keys(
    db: &impl ConnectionTrait,
) -> Result<Vec<UnindexedForeignKey>, RepositoryError> {
    all(
        db,
        "reading the foreign keys",
        "SELECT c.conrelid::regclass::text AS table, c.conname AS constraint, \
         (SELECT string_agg(a.attname, ', ' ORDER BY k.n) \
            FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) \
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns \
         FROM pg_constraint c \
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace \
           AND NOT EXISTS ( \
             SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid \
               AND (SELECT array_agg(x ORDER BY x) FROM unnest((i.indkey::int2[])[0:cardinality(c.conkey) - 1]) x) \
                 = (SELECT array_agg(y ORDER BY y) FROM unnest(c.conkey) y)) \
         ORDER BY 1, 2",
        vec![],
    )
    .await
}
