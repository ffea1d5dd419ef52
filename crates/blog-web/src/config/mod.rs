//! The service's configuration: one nested, typed struct, read once at start.
//!
//! Each section belongs to the layer that uses it and has the one `Default`
//! where its defaults are written: `database` ([`DatabaseConfig`]), `redis`,
//! `cache` ([`CacheConfig`]), `auth`, `analytics`, `dashboard`, `articles`
//! (services), and
//! `server`, `monitoring`, `log` (this crate). The layers receive their
//! sections as they are. [`variables::all`] maps every environment
//! variable onto a field; `--help` and README.md's table are generated from it.
//! Secrets (`DATABASE_URL`, `REDIS_URL`, ...) are [`SecretUrl`]s: a `Debug` of
//! the configuration, a log line or an error never shows their password.

mod docs;
mod sources;
pub(crate) mod values;
pub mod variables;

use std::ffi::OsString;
use std::path::Path;

use blog_repositories::{DatabaseConfig, SecretUrl};
use blog_services::analytics::AnalyticsConfig;
use blog_services::auth::AuthConfig;
use blog_services::cache::CacheConfig;
use blog_services::dashboard::DashboardConfig;
use blog_services::posts::ArticlesConfig;
use blog_services::redis::RedisConfig;

pub use self::docs::{help_text, markdown_table};
use crate::logging::LogConfig;
use crate::request_metrics::MonitoringConfig;
use crate::startup::ServerConfig;

/// Every setting of the service, by section; its `Default` is the sections'.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Where the data lives and how the pool treats it.
    pub database: DatabaseConfig,
    /// The Redis server of the cache and the counters.
    pub redis: RedisConfig,
    /// The cache.
    pub cache: CacheConfig,
    /// The listening address and worker threads.
    pub server: ServerConfig,
    /// API tokens.
    pub auth: AuthConfig,
    /// The daily counters.
    pub analytics: AnalyticsConfig,
    /// The dashboard's external source.
    pub dashboard: DashboardConfig,
    /// The RealWorld API's articles.
    pub articles: ArticlesConfig,
    /// Request monitoring, debug headers and who may read the figures.
    pub monitoring: MonitoringConfig,
    /// The log filter.
    pub log: LogConfig,
}

/// Why the configuration cannot be used; its `Display` is the one line printed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable's value is not what it expects (a secret's value is redacted).
    #[error("invalid configuration: {variable}={value:?}: {expected}")]
    Invalid {
        /// The variable.
        variable: String,
        /// Its value, without any password.
        value: String,
        /// What it expects.
        expected: String,
    },
    /// A variable of ours is set to bytes that are not UTF-8.
    #[error("invalid configuration: {variable} is not valid UTF-8")]
    NotUnicode {
        /// The variable.
        variable: String,
    },
    /// A configuration file has a line that is not `KEY=VALUE`.
    #[error("invalid configuration file {path}, line {line}: {problem}")]
    File {
        /// The file.
        path: String,
        /// Its 1-based line (0 when unknown).
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// A configuration file cannot be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl Config {
    /// True on the embedded default (the default SQLite database): `blog serve`
    /// fills an empty database with demo data, and the debug headers are on
    /// unless configured.
    pub fn embedded(&self) -> bool {
        self.database.url == DatabaseConfig::default().url
    }

    /// Whether responses carry the debug headers: as configured, else on the
    /// embedded default only.
    pub fn debug_headers(&self) -> bool {
        self.monitoring
            .debug_headers
            .unwrap_or_else(|| self.embedded())
    }

    /// Reads the process environment, the file `BLOG_CONFIG` names and
    /// `./.env`; also returns the `BLOG_*` names that are no variable of ours.
    pub fn from_env() -> Result<(Config, Vec<String>), ConfigError> {
        let dir = std::env::current_dir().unwrap_or_else(|_| ".".into());
        Config::from_sources(
            &|name| std::env::var_os(name),
            &mut std::env::vars_os().map(|(name, _)| name),
            &dir,
        )
    }

    /// Reads the given sources: `env` looks up one variable, `names` lists the
    /// environment's names, `dir` may hold a `.env`. Tests pass their own.
    pub fn from_sources(
        env: &dyn Fn(&str) -> Option<OsString>,
        names: &mut dyn Iterator<Item = OsString>,
        dir: &Path,
    ) -> Result<(Config, Vec<String>), ConfigError> {
        let values = sources::read(env, names, dir)?;
        let mut config = Config::default();
        for variable in variables::all() {
            if let Some(value) = values.found.get(variable.name) {
                (variable.read)(&mut config, value).map_err(|expected| ConfigError::Invalid {
                    variable: variable.name.to_owned(),
                    value: shown_value(variable.secret, value),
                    expected,
                })?;
            }
        }
        config.validate()?;
        Ok((config, values.unknown))
    }

    /// Checks what no single variable can: settings that depend on each other.
    fn validate(&self) -> Result<(), ConfigError> {
        let pool = &self.database.pool;
        if pool.min_connections > pool.max_connections {
            return Err(ConfigError::Invalid {
                variable: "BLOG_DB_MIN_CONNECTIONS".into(),
                value: pool.min_connections.to_string(),
                expected: format!("at most BLOG_DB_MAX_CONNECTIONS ({})", pool.max_connections),
            });
        }
        Ok(())
    }
}

/// A value as an error may show it: a secret loses its password.
fn shown_value(secret: bool, value: &str) -> String {
    if secret {
        SecretUrl::new(value).redacted()
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests;
