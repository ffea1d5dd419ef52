//! PostgreSQL's own statistics, for `blog analyze`: slow statements
//! (pg_stat_statements), table and index use, foreign keys without an index.
//! Every user value is bound as a parameter.

use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Statement, Value};
use serde::Serialize;

use crate::RepositoryError;

/// Whether pg_stat_statements can be read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementStats {
    Ready,
    /// The library is not in `shared_preload_libraries`.
    NotPreloaded,
    /// Preloaded, but `CREATE EXTENSION pg_stat_statements` was not run here.
    NotInstalled,
}

/// One statement shape from pg_stat_statements.
#[derive(Debug, Clone, PartialEq, Serialize, FromQueryResult)]
pub struct SlowStatement {
    pub query: String,
    pub calls: i64,
    pub mean_ms: f64,
    pub total_ms: f64,
    pub rows: i64,
}

/// How a table is read and written (pg_stat_user_tables).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct TableStats {
    pub table: String,
    pub live_rows: i64,
    pub seq_scan: i64,
    pub seq_tup_read: i64,
    pub idx_scan: i64,
    pub idx_tup_fetch: i64,
    pub inserts: i64,
    pub updates: i64,
    pub deletes: i64,
}

/// An index no query has used since the statistics were reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct UnusedIndex {
    pub table: String,
    pub index: String,
    pub size_bytes: i64,
}

/// A foreign key whose columns lead no index: deletes of the parent scan the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct UnindexedForeignKey {
    pub table: String,
    pub constraint: String,
    pub columns: String,
}

async fn all<T: FromQueryResult>(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<T>, RepositoryError> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            values,
        ))
        .await?;
    rows.iter()
        .map(|row| T::from_query_result(row, "").map_err(RepositoryError::from))
        .collect()
}

/// Whether pg_stat_statements is preloaded and installed in this database.
pub async fn statement_stats(db: &DatabaseConnection) -> Result<StatementStats, RepositoryError> {
    #[derive(FromQueryResult)]
    struct Probe {
        preloaded: bool,
        installed: bool,
    }
    let probe: Vec<Probe> = all(
        db,
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
    db: &DatabaseConnection,
    min_ms: f64,
    limit: i64,
) -> Result<Vec<SlowStatement>, RepositoryError> {
    all(
        db,
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
    db: &DatabaseConnection,
    table: Option<&str>,
) -> Result<Vec<TableStats>, RepositoryError> {
    all(
        db,
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
pub async fn unused_indexes(db: &DatabaseConnection) -> Result<Vec<UnusedIndex>, RepositoryError> {
    all(
        db,
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
    db: &DatabaseConnection,
) -> Result<Vec<UnindexedForeignKey>, RepositoryError> {
    all(
        db,
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
