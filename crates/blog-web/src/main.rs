//! `blog`: serve the site, migrate the database, seed the benchmark dataset,
//! or analyze the database's statistics.

use std::process::ExitCode;

use blog_services::error::chain;
use blog_web::commands::{self, AnalyzeRequest, Format};
use blog_web::config::{Config, help_text};
use blog_web::logging;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "blog", version, about = "A fast, N+1-free blog.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate (unless BLOG_AUTO_MIGRATE=false), then serve.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Recompute the counter caches (comment and like counts, list totals) from the rows.
    RepairCounts,
    /// Fill an empty database with the benchmark dataset.
    Seed {
        /// How many posts (comments, likes and tags scale with it).
        #[arg(long, default_value_t = blog_services::dataset::DEFAULT_POSTS)]
        posts: usize,
        /// Empty the database first.
        #[arg(long)]
        reset: bool,
        /// The administrator's password (default: a random one, printed once).
        #[arg(long, value_name = "P")]
        admin_password: Option<String>,
    },
    /// Database performance analysis (PostgreSQL): every table, unused indexes
    /// and foreign keys without an index; or the slowest statements; or one table.
    Analyze {
        /// The 10 slowest statements by mean time (pg_stat_statements).
        #[arg(long, conflicts_with = "table")]
        slow_queries: bool,
        /// With --slow-queries: only statements slower than this, in ms.
        #[arg(long, default_value_t = 100.0)]
        min_ms: f64,
        /// One table's scans and writes.
        #[arg(long, value_name = "NAME")]
        table: Option<String>,
        /// text for people, json for scripts.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

/// The command line, with every configuration variable in `--help`.
fn parse_cli() -> Cli {
    let help = help_text();
    let command = Cli::command()
        .after_help(help.clone())
        .mut_subcommand("serve", |serve| serve.after_help(help));
    let matches = command.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
}

#[actix_web::main]
async fn main() -> ExitCode {
    release_large_allocations();
    let cli = parse_cli();
    let (config, unknown) = match Config::from_env() {
        Ok(read) => read,
        Err(err) => {
            eprintln!("blog: {err}");
            return ExitCode::from(2);
        }
    };
    logging::init(&config.log);
    for name in unknown {
        tracing::warn!(variable = %name, "unknown BLOG_ variable ignored (see blog --help)");
    }
    let outcome = match cli.command {
        Command::Serve => commands::serve(&config).await.map(|()| true),
        Command::Migrate => commands::migrate(&config).await.map(|()| true),
        Command::RepairCounts => commands::repair_counts(&config).await.map(|()| true),
        Command::Seed {
            posts,
            reset,
            admin_password,
        } => commands::seed(&config, posts, reset, admin_password)
            .await
            .map(|()| true),
        Command::Analyze {
            slow_queries,
            min_ms,
            table,
            format,
        } => {
            let request = AnalyzeRequest {
                slow_queries,
                min_ms,
                table,
                format,
            };
            commands::analyze(&config, &request).await
        }
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(err) => {
            eprintln!("blog: {}", chain(&err));
            ExitCode::FAILURE
        }
    }
}

/// Makes glibc serve allocations of 4 MiB and more with mmap, always. Each
/// argon2 hash (login, seeding) allocates 19 MiB; with glibc's adaptive
/// threshold those land in per-thread arenas that are never given back, and
/// `blog seed` peaked at 449 MB resident (53 MB with this).
#[allow(unsafe_code)]
fn release_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}
