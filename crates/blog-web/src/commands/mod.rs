//! The subcommands of the `blog` binary (cli.md): serve, migrate, seed,
//! repair-counts, analyze.

mod analyze;

use std::io::IsTerminal;
use std::time::Duration;

use blog_repositories::{RepositoryError, database};
use blog_services::cache::{Cache, CacheBackend};
use blog_services::dataset::{self, DatasetSpec};
use blog_services::outbox::Outbox;
use blog_services::redis::RedisPool;
use blog_services::{PasswordHasher, ServiceError};
use indicatif::{ProgressBar, ProgressStyle};

pub use self::analyze::{AnalyzeRequest, Format, analyze};
use crate::config::Config;
use crate::startup::{self, Application, StartupError};

/// Why a subcommand failed (its `Display` and sources make the one line printed).
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The service could not start.
    #[error(transparent)]
    Startup(#[from] StartupError),
    /// The server stopped with an error.
    #[error("serving failed")]
    Serve(#[source] std::io::Error),
    /// A migration failed (the error names the operation).
    #[error(transparent)]
    Migrate(RepositoryError),
    /// Emptying or seeding the database failed.
    #[error("seeding the database")]
    Seed(#[source] ServiceError),
    /// Recomputing the counter caches failed.
    #[error("repairing the counters")]
    RepairCounts(#[source] ServiceError),
    /// The analysis failed.
    #[error("analyzing the database")]
    Analyze(#[source] blog_services::database_report::AnalyzeError),
}

/// `blog serve`: build the application (migrations, demo data on the
/// embedded default), then serve until a signal stops it.
pub async fn serve(config: &Config) -> Result<(), CommandError> {
    let application = Application::build(config).await?;
    tracing::info!(
        address = %format!("http://{}/", application.address()),
        database = if config.database.is_sqlite() { "sqlite" } else { "postgres" },
        cache = application.state().cache.backend().name(),
        workers = config.server.workers,
        "serving"
    );
    application
        .run_until_stopped()
        .await
        .map_err(CommandError::Serve)
}

/// `blog migrate`: apply pending migrations and exit.
pub async fn migrate(config: &Config) -> Result<(), CommandError> {
    let db = startup::connect_now(config).await?;
    database::migrate(&db)
        .await
        .map_err(CommandError::Migrate)?;
    println!("migrations applied");
    Ok(())
}

/// `blog seed --posts N [--reset] [--admin-password P]`: fill an empty database
/// with the benchmark dataset and the administrator (a random password,
/// printed once, unless one is given).
pub async fn seed(
    config: &Config,
    posts: usize,
    reset: bool,
    admin_password: Option<String>,
) -> Result<(), CommandError> {
    // Batch inserts of 1,000 rows are slow statements by design: don't warn about them.
    let mut config = config.clone();
    config.database.slow_statement = Duration::MAX;
    let db = startup::connect_now(&config).await?;
    database::migrate(&db)
        .await
        .map_err(CommandError::Migrate)?;
    if reset {
        dataset::reset(&db).await.map_err(CommandError::Seed)?;
    }
    let bar = progress_bar();
    let chosen = admin_password.is_some();
    let mut spec = DatasetSpec::new(posts);
    if let Some(password) = admin_password {
        spec = spec.with_admin_password(password);
    }
    let report = dataset::seed(
        &db,
        &spec,
        &PasswordHasher::default(),
        &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .await
    .map_err(CommandError::Seed)?;
    bar.finish_and_clear();
    apply_outbox(&config, &db).await?;
    println!(
        "seeded {} posts, {} comments, {} likes ({} rows) in {:.1} s",
        report.posts,
        report.comments,
        report.likes,
        report.rows,
        report.elapsed.as_secs_f64()
    );
    if !chosen {
        println!(
            "the administrator is {}, password {} (shown once; sign in at /monitoring/login/)",
            dataset::ADMIN_USERNAME,
            spec.admin_password
        );
    }
    Ok(())
}

/// `blog repair-counts`: recompute every counter cache from the rows and say
/// how many were wrong.
pub async fn repair_counts(config: &Config) -> Result<(), CommandError> {
    let db = startup::connect_now(config).await?;
    let repaired = dataset::repair_counts(&db)
        .await
        .map_err(CommandError::RepairCounts)?;
    apply_outbox(config, &db).await?;
    println!(
        "counters repaired: {} posts' counts, {} posts' lists, {} categories, {} tags, \
         {} position buckets were wrong",
        repaired.posts, repaired.lists, repaired.categories, repaired.tags, repaired.positions
    );
    Ok(())
}

/// A bulk change recorded "nothing cached before is valid" in the outbox. A
/// shared cache gets it now; an in-process one belongs to the running
/// service, whose poller applies the row.
async fn apply_outbox(config: &Config, db: &blog_repositories::DbPool) -> Result<(), CommandError> {
    let redis = RedisPool::from_config(&config.redis).map_err(StartupError::Redis)?;
    let cache = Cache::new(&config.cache, redis.as_ref());
    if cache.backend() == CacheBackend::Redis {
        Outbox::new(db.clone(), cache).apply_pending().await.ok();
    }
    Ok(())
}

/// A progress bar on a terminal, nothing otherwise.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} seeding [{bar:40}] {pos}/{len} rows ({eta})")
            .expect("the progress template is valid")
            .progress_chars("=> "),
    );
    bar
}
