//! The subcommands of the `blog` binary (cli.md): serve, migrate, seed.

use std::io::IsTerminal;
use std::net::TcpListener;
use std::time::Duration;

use anyhow::Context;
use blog_repositories::{DatabaseConnection, DatabaseSettings, database};
use blog_services::PasswordHasher;
use blog_services::analysis::{self, AnalyzeError};
use blog_services::cache::Cache;
use blog_services::dataset::{self, DatasetSpec};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;
use crate::monitor::MonitorSettings;
use crate::state::{AppState, StateSettings};

/// `blog serve`: migrate (unless disabled), fill an empty database of the
/// embedded default (no `DATABASE_URL`) with the demo dataset, then serve.
pub async fn serve(config: &Config) -> anyhow::Result<()> {
    let db = connect(&config.database).await?;
    if config.auto_migrate {
        database::migrate(&db)
            .await
            .context("applying migrations")?;
    }
    if config.embedded && blog_repositories::bulk::is_empty(&db).await? {
        tracing::info!(
            posts = dataset::DEMO_POSTS,
            "empty database: filling it with the demo dataset"
        );
        let report = dataset::seed(
            &db,
            &DatasetSpec::new(dataset::DEMO_POSTS),
            &PasswordHasher::default(),
            &mut |_, _| {},
        )
        .await
        .context("filling the demo dataset")?;
        tracing::info!(
            rows = report.rows,
            elapsed_ms = report.elapsed.as_millis() as u64,
            "demo dataset ready"
        );
    }
    let listener = TcpListener::bind(config.bind)
        .with_context(|| format!("cannot listen on {} (BLOG_BIND)", config.bind))?;
    tracing::info!(
        address = %format!("http://{}/", config.bind),
        database = if config.is_sqlite() { "sqlite" } else { "postgres" },
        workers = config.workers,
        "serving"
    );
    let monitor = MonitorSettings {
        debug_headers: config.debug_headers,
        slow_request: config.slow_request,
        max_statements: config.max_request_statements,
        n_plus_one_threshold: config.n_plus_one_threshold,
        strict_n_plus_one: config.n_plus_one_strict,
        ..MonitorSettings::default()
    };
    let cache = Cache::new(&config.cache_settings());
    tracing::info!(cache = cache.backend_name(), "cache ready");
    let settings = StateSettings {
        token_ttl: config.token_ttl,
        external_api_url: config.external_api_url.clone(),
        monitoring_public: config.monitoring_public,
        ..StateSettings::default()
    };
    let state = AppState::new(db, cache, &settings);
    crate::app::run(listener, state, monitor, config.workers)?.await?;
    Ok(())
}

/// `blog migrate`: apply pending migrations and exit.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = connect(&config.database).await?;
    database::migrate(&db)
        .await
        .context("applying migrations")?;
    println!("migrations applied");
    Ok(())
}

/// `blog seed --posts N [--reset]`: fill an empty database with the benchmark dataset.
pub async fn seed(config: &Config, posts: usize, reset: bool) -> anyhow::Result<()> {
    // Batch inserts of 1,000 rows are slow statements by design: don't warn about them.
    let mut settings = config.database.clone();
    settings.slow_statement = Duration::MAX;
    let db = connect(&settings).await?;
    database::migrate(&db)
        .await
        .context("applying migrations")?;
    if reset {
        dataset::reset(&db).await.context("emptying the database")?;
    }
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} seeding [{bar:40}] {pos}/{len} rows ({eta})")
                .expect("the progress template is valid")
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let report = dataset::seed(
        &db,
        &DatasetSpec::new(posts),
        &PasswordHasher::default(),
        &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .await?;
    bar.finish_and_clear();
    // The rows (and, after --reset, their ids) are new: nothing cached before is valid.
    Cache::new(&config.cache_settings()).invalidate_all().await;
    println!(
        "seeded {} posts, {} comments, {} likes ({} rows) in {:.1} s",
        report.posts,
        report.comments,
        report.likes,
        report.rows,
        report.elapsed.as_secs_f64()
    );
    Ok(())
}

/// How `blog analyze` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// What `blog analyze` was asked.
#[derive(Debug, Clone)]
pub struct AnalyzeRequest {
    pub slow_queries: bool,
    pub min_ms: f64,
    pub table: Option<String>,
    pub format: Format,
}

/// `blog analyze`: prints the report; `Ok(false)` when the analysis cannot run
/// here (SQLite, pg_stat_statements missing): the binary exits 2.
pub async fn analyze(config: &Config, request: &AnalyzeRequest) -> anyhow::Result<bool> {
    let db = connect(&config.database).await?;
    let output = if request.slow_queries {
        analysis::slow_queries(&db, request.min_ms)
            .await
            .map(|rows| {
                render(request.format, &rows, || {
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
                })
            })
    } else if let Some(name) = &request.table {
        analysis::table(&db, name)
            .await
            .map(|t| render(request.format, &t, || table_text(std::slice::from_ref(&t))))
    } else {
        analysis::overview(&db).await.map(|o| {
            render(request.format, &o, || {
                let unused = o
                    .unused_indexes
                    .iter()
                    .map(|i| format!("{} on {} ({} bytes)", i.index, i.table, i.size_bytes));
                let unindexed = o
                    .unindexed_foreign_keys
                    .iter()
                    .map(|f| format!("{} on {} ({})", f.constraint, f.table, f.columns));
                format!(
                    "{}\n{}\n{}",
                    table_text(&o.tables),
                    section(
                        "Unused indexes (never scanned since the statistics reset):",
                        unused
                    ),
                    section("Foreign keys without an index:", unindexed)
                )
            })
        })
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
        Err(err) => Err(err.into()),
    }
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

fn render<T: serde::Serialize>(format: Format, value: &T, text: impl FnOnce() -> String) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(value).unwrap_or_default() + "\n",
        Format::Text => text(),
    }
}

fn table_text(tables: &[analysis::TableReport]) -> String {
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

async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    database::connect(settings)
        .await
        .with_context(|| format!("cannot connect to the database ({})", redact(&settings.url)))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            super::redact("sqlite://blog.sqlite3"),
            "sqlite://blog.sqlite3"
        );
    }
}
