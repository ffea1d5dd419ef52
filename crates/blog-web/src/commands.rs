//! The subcommands of the `blog` binary (cli.md): serve, migrate, seed.

use std::io::IsTerminal;
use std::net::TcpListener;
use std::time::Duration;

use anyhow::Context;
use blog_repositories::{DatabaseConnection, DatabaseSettings, database};
use blog_services::PasswordHasher;
use blog_services::cache::Cache;
use blog_services::dataset::{self, DatasetSpec};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;
use crate::monitor::MonitorSettings;
use crate::state::AppState;

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
    };
    let cache = Cache::new(&config.cache_settings());
    tracing::info!(cache = cache.backend_name(), "cache ready");
    let state = AppState::new(db, cache, config.token_ttl);
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
