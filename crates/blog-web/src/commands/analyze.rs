//! `blog analyze`: the database report as text for people or JSON for scripts.
//! The JSON shapes are this command's contract, kept here apart from the
//! service's values.

use blog_repositories::DbPool;
use blog_repositories::pg_stats::{SlowStatement, UnindexedForeignKey, UnusedIndex};
use blog_services::database_report::{self, AnalyzeError, Overview, TableReport};
use serde::Serialize;

use super::CommandError;
use crate::config::Config;
use crate::startup;

/// How `blog analyze` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns, for people.
    Text,
    /// Pretty-printed JSON, for scripts.
    Json,
}

/// What `blog analyze` was asked.
#[derive(Debug, Clone)]
pub struct AnalyzeRequest {
    /// The slowest statements instead of the overview.
    pub slow_queries: bool,
    /// With `slow_queries`: only statements slower than this.
    pub min_ms: f64,
    /// One table instead of the overview.
    pub table: Option<String>,
    /// Text or JSON.
    pub format: Format,
}

/// `blog analyze`: prints the report; `Ok(false)` when the analysis cannot run
/// here (SQLite, pg_stat_statements missing): the binary exits 2.
pub async fn analyze(config: &Config, request: &AnalyzeRequest) -> Result<bool, CommandError> {
    let db = startup::connect_now(config).await?;
    let output = if request.slow_queries {
        slow_queries(&db, request).await
    } else if let Some(name) = &request.table {
        table(&db, name, request.format).await
    } else {
        overview(&db, request.format).await
    };
    match output {
        Ok(text) => {
            print!("{text}");
            Ok(true)
        }
        Err(
            err @ (AnalyzeError::NeedsPostgres
            | AnalyzeError::StatementsNotPreloaded
            | AnalyzeError::StatementsNotInstalled),
        ) => {
            eprintln!("blog: {err}");
            Ok(false)
        }
        Err(err) => Err(CommandError::Analyze(err)),
    }
}

async fn slow_queries(db: &DbPool, request: &AnalyzeRequest) -> Result<String, AnalyzeError> {
    let rows = database_report::slow_queries(db, request.min_ms).await?;
    let json: Vec<SlowStatementJson> = rows.iter().map(SlowStatementJson::from).collect();
    Ok(render(request.format, &json, || {
        let lines = rows.iter().map(|r| {
            format!(
                "{:>10.2} ms mean  {:>12.1} ms total  {:>8} calls  {:>10} rows  {}",
                r.mean_ms,
                r.total_ms,
                r.calls,
                r.rows,
                one_line(&r.query, 100)
            )
        });
        let title = format!(
            "The slowest statements by mean time (over {} ms):",
            request.min_ms
        );
        section(&title, lines)
    }))
}

async fn table(db: &DbPool, name: &str, format: Format) -> Result<String, AnalyzeError> {
    let report = database_report::table(db, name).await?;
    Ok(render(format, &TableJson::from(&report), || {
        table_text(std::slice::from_ref(&report))
    }))
}

async fn overview(db: &DbPool, format: Format) -> Result<String, AnalyzeError> {
    let report = database_report::overview(db).await?;
    Ok(render(format, &OverviewJson::from(&report), || {
        overview_text(&report)
    }))
}

fn overview_text(report: &Overview) -> String {
    let unused = report
        .unused_indexes
        .iter()
        .map(|i| format!("{} on {} ({} bytes)", i.index, i.table, i.size_bytes));
    let unindexed = report
        .unindexed_foreign_keys
        .iter()
        .map(|f| format!("{} on {} ({})", f.constraint, f.table, f.columns));
    format!(
        "{}\n{}\n{}",
        table_text(&report.tables),
        section(
            "Unused indexes (never scanned since the statistics reset):",
            unused
        ),
        section("Foreign keys without an index:", unindexed)
    )
}

/// A titled list, one indented item a line, or `none`.
fn section(title: &str, items: impl Iterator<Item = String>) -> String {
    let lines: Vec<String> = items.map(|item| format!("  {item}\n")).collect();
    let body = if lines.is_empty() {
        "  none\n".to_owned()
    } else {
        lines.concat()
    };
    format!("{title}\n{body}")
}

fn render<T: Serialize>(format: Format, value: &T, text: impl FnOnce() -> String) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(value).unwrap_or_default() + "\n",
        Format::Text => text(),
    }
}

fn table_text(tables: &[TableReport]) -> String {
    let mut out = format!(
        "{:<14} {:>10} {:>10} {:>12} {:>10} {:>12} {:>9} {:>9} {:>9}\n",
        "table",
        "rows",
        "seq scans",
        "seq read",
        "idx scans",
        "idx fetched",
        "inserts",
        "updates",
        "deletes"
    );
    for t in tables {
        let s = &t.stats;
        out.push_str(&format!(
            "{:<14} {:>10} {:>10} {:>12} {:>10} {:>12} {:>9} {:>9} {:>9}\n",
            s.table,
            s.live_rows,
            s.seq_scan,
            s.seq_tup_read,
            s.idx_scan,
            s.idx_tup_fetch,
            s.inserts,
            s.updates,
            s.deletes
        ));
        if let Some(suggestion) = &t.suggestion {
            out.push_str(&format!("  suggestion: {suggestion}\n"));
        }
    }
    out
}

fn one_line(sql: &str, max: usize) -> String {
    let flat: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

/// One slow statement, as `--slow-queries --format json` prints it.
#[derive(Serialize)]
struct SlowStatementJson<'a> {
    query: &'a str,
    calls: i64,
    mean_ms: f64,
    total_ms: f64,
    rows: i64,
}

/// One table, as `--table NAME --format json` prints it.
#[derive(Serialize)]
struct TableJson<'a> {
    table: &'a str,
    live_rows: i64,
    seq_scan: i64,
    seq_tup_read: i64,
    idx_scan: i64,
    idx_tup_fetch: i64,
    inserts: i64,
    updates: i64,
    deletes: i64,
    suggestion: Option<&'a str>,
}

/// The overview, as `--format json` prints it.
#[derive(Serialize)]
struct OverviewJson<'a> {
    tables: Vec<TableJson<'a>>,
    unused_indexes: Vec<UnusedIndexJson<'a>>,
    unindexed_foreign_keys: Vec<ForeignKeyJson<'a>>,
}

#[derive(Serialize)]
struct UnusedIndexJson<'a> {
    table: &'a str,
    index: &'a str,
    size_bytes: i64,
}

#[derive(Serialize)]
struct ForeignKeyJson<'a> {
    table: &'a str,
    constraint: &'a str,
    columns: &'a str,
}

impl<'a> From<&'a SlowStatement> for SlowStatementJson<'a> {
    fn from(s: &'a SlowStatement) -> Self {
        SlowStatementJson {
            query: &s.query,
            calls: s.calls,
            mean_ms: s.mean_ms,
            total_ms: s.total_ms,
            rows: s.rows,
        }
    }
}

impl<'a> From<&'a TableReport> for TableJson<'a> {
    fn from(t: &'a TableReport) -> Self {
        let s = &t.stats;
        TableJson {
            table: &s.table,
            live_rows: s.live_rows,
            seq_scan: s.seq_scan,
            seq_tup_read: s.seq_tup_read,
            idx_scan: s.idx_scan,
            idx_tup_fetch: s.idx_tup_fetch,
            inserts: s.inserts,
            updates: s.updates,
            deletes: s.deletes,
            suggestion: t.suggestion.as_deref(),
        }
    }
}

impl<'a> From<&'a Overview> for OverviewJson<'a> {
    fn from(o: &'a Overview) -> Self {
        OverviewJson {
            tables: o.tables.iter().map(TableJson::from).collect(),
            unused_indexes: o.unused_indexes.iter().map(UnusedIndexJson::from).collect(),
            unindexed_foreign_keys: o
                .unindexed_foreign_keys
                .iter()
                .map(ForeignKeyJson::from)
                .collect(),
        }
    }
}

impl<'a> From<&'a UnusedIndex> for UnusedIndexJson<'a> {
    fn from(i: &'a UnusedIndex) -> Self {
        UnusedIndexJson {
            table: &i.table,
            index: &i.index,
            size_bytes: i.size_bytes,
        }
    }
}

impl<'a> From<&'a UnindexedForeignKey> for ForeignKeyJson<'a> {
    fn from(f: &'a UnindexedForeignKey) -> Self {
        ForeignKeyJson {
            table: &f.table,
            constraint: &f.constraint,
            columns: &f.columns,
        }
    }
}
