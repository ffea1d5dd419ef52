//! `blog`: serve the site, migrate the database, or seed the benchmark dataset.

use std::process::ExitCode;

use blog_web::commands;
use blog_web::config::Config;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

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
    /// Fill an empty database with the benchmark dataset.
    Seed {
        /// How many posts (comments, likes and tags scale with it).
        #[arg(long, default_value_t = blog_services::dataset::DEFAULT_POSTS)]
        posts: usize,
        /// Empty the database first.
        #[arg(long)]
        reset: bool,
    },
}

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("blog: {err}");
            return ExitCode::from(2);
        }
    };
    let filter = match EnvFilter::try_new(&config.log_filter) {
        Ok(filter) => filter,
        Err(err) => {
            eprintln!(
                "blog: invalid configuration: RUST_LOG={:?}: {err}",
                config.log_filter
            );
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt().with_env_filter(filter).init();

    let outcome = match cli.command {
        Command::Serve => commands::serve(&config).await,
        Command::Migrate => commands::migrate(&config).await,
        Command::Seed { posts, reset } => commands::seed(&config, posts, reset).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("blog: {err:#}");
            ExitCode::FAILURE
        }
    }
}
