//! The service's configuration: one typed struct, read once at start from the
//! environment (and an optional `KEY=VALUE` file named by `BLOG_CONFIG`),
//! validated with a message that names the variable and what it expects.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use blog_repositories::DatabaseSettings;

/// The SQLite file the embedded default creates in the working directory.
pub const DEFAULT_SQLITE_FILE: &str = "blog.sqlite3";

/// Where cached data lives (used from the cache issue on; validated now).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheBackend {
    Redis,
    Memory,
    Off,
}

/// Every setting of the service.
#[derive(Debug, Clone)]
pub struct Config {
    /// Pool and monitoring settings of the database.
    pub database: DatabaseSettings,
    /// True when `DATABASE_URL` was not set: a SQLite file in the working directory.
    pub embedded: bool,
    pub redis_url: Option<String>,
    pub cache: CacheBackend,
    /// The longest a cache operation may take before the database is used instead.
    pub cache_timeout: Duration,
    /// How long an API token from `/auth/login/` stays valid.
    pub token_ttl: Duration,
    pub bind: SocketAddr,
    pub workers: usize,
    /// `X-Query-Count`, `X-Query-Time`, `X-Response-Time` on every response.
    pub debug_headers: bool,
    pub monitoring_public: bool,
    pub external_api_url: Option<String>,
    /// Apply pending migrations when `blog serve` starts.
    pub auto_migrate: bool,
    /// A request slower than this logs a warning.
    pub slow_request: Duration,
    /// A request running more statements than this logs a warning.
    pub max_request_statements: u32,
    /// One statement shape repeated more than this in a request is an N+1.
    pub n_plus_one_threshold: u32,
    /// A detected N+1 fails the request (500) instead of only warning.
    pub n_plus_one_strict: bool,
    /// The tracing filter (`RUST_LOG`).
    pub log_filter: String,
}

/// A configuration value that cannot be used; its `Display` is the one line printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {variable}={value:?}: {expected}")]
pub struct ConfigError {
    pub variable: String,
    pub value: String,
    pub expected: String,
}

impl Config {
    /// Reads the process environment (and `BLOG_CONFIG`'s file, which it overrides).
    pub fn from_env() -> Result<Config, ConfigError> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if let Ok(path) = std::env::var("BLOG_CONFIG") {
            let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
                variable: "BLOG_CONFIG".into(),
                value: path.clone(),
                expected: format!("a readable KEY=VALUE file ({e})"),
            })?;
            vars.extend(parse_env_file(&text));
        }
        vars.extend(std::env::vars());
        Config::from_lookup(|key| vars.get(key).cloned())
    }

    /// Builds the configuration from any source of variables (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let (database_url, embedded) = match get("DATABASE_URL") {
            Some(url) => (url, false),
            None => (format!("sqlite://{DEFAULT_SQLITE_FILE}?mode=rwc"), true),
        };
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "DATABASE_URL",
                &database_url,
                "a postgres://... or sqlite:... URL",
            ));
        }
        let redis_url = get("REDIS_URL");
        if let Some(url) = &redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            return Err(invalid("REDIS_URL", url, "a redis://host:port/db URL"));
        }
        let cache = match get("BLOG_CACHE").as_deref() {
            None if redis_url.is_some() => CacheBackend::Redis,
            None => CacheBackend::Memory,
            Some("redis") if redis_url.is_some() => CacheBackend::Redis,
            Some("redis") => {
                return Err(invalid(
                    "BLOG_CACHE",
                    "redis",
                    "REDIS_URL to be set for the redis cache",
                ));
            }
            Some("memory") => CacheBackend::Memory,
            Some("off") => CacheBackend::Off,
            Some(other) => return Err(invalid("BLOG_CACHE", other, "one of redis, memory, off")),
        };

        let bind_text = get("BLOG_BIND").unwrap_or_else(|| "127.0.0.1:8000".into());
        let bind = bind_text
            .parse::<SocketAddr>()
            .map_err(|_| invalid("BLOG_BIND", &bind_text, "an address such as 127.0.0.1:8000"))?;
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let workers = number(&get, "BLOG_WORKERS", cores as u64, 1)? as usize;

        let max_connections = number(&get, "BLOG_DB_MAX_CONNECTIONS", 20, 1)? as u32;
        let min_connections = number(&get, "BLOG_DB_MIN_CONNECTIONS", 5, 0)? as u32;
        if min_connections > max_connections {
            return Err(invalid(
                "BLOG_DB_MIN_CONNECTIONS",
                &min_connections.to_string(),
                &format!("at most BLOG_DB_MAX_CONNECTIONS ({max_connections})"),
            ));
        }
        let database = DatabaseSettings {
            url: database_url,
            max_connections,
            min_connections,
            acquire_timeout: Duration::from_millis(number(
                &get,
                "BLOG_DB_ACQUIRE_TIMEOUT_MS",
                2000,
                1,
            )?),
            idle_timeout: Duration::from_secs(number(&get, "BLOG_DB_IDLE_TIMEOUT_S", 600, 1)?),
            max_lifetime: Duration::from_secs(number(&get, "BLOG_DB_MAX_LIFETIME_S", 1800, 1)?),
            slow_statement: Duration::from_millis(number(&get, "BLOG_SLOW_STATEMENT_MS", 100, 0)?),
            statement_cache: flag(&get, "BLOG_DB_STATEMENT_CACHE", true)?,
        };

        let cache_timeout = Duration::from_millis(number(&get, "BLOG_CACHE_TIMEOUT_MS", 50, 1)?);
        let token_ttl = Duration::from_secs(3600 * number(&get, "BLOG_TOKEN_TTL_HOURS", 720, 1)?);
        Ok(Config {
            cache_timeout,
            token_ttl,
            debug_headers: flag(&get, "BLOG_DEBUG_HEADERS", embedded)?,
            monitoring_public: flag(&get, "BLOG_MONITORING_PUBLIC", false)?,
            external_api_url: get("BLOG_EXTERNAL_API_URL"),
            auto_migrate: flag(&get, "BLOG_AUTO_MIGRATE", true)?,
            slow_request: Duration::from_millis(number(&get, "BLOG_SLOW_REQUEST_MS", 500, 0)?),
            max_request_statements: number(&get, "BLOG_SLOW_REQUEST_STATEMENTS", 10, 0)? as u32,
            n_plus_one_threshold: number(&get, "BLOG_N_PLUS_ONE_THRESHOLD", 5, 1)? as u32,
            n_plus_one_strict: flag(&get, "BLOG_N_PLUS_ONE_STRICT", false)?,
            log_filter: get("RUST_LOG").unwrap_or_else(|| "info".into()),
            database,
            embedded,
            redis_url,
            cache,
            bind,
            workers,
        })
    }

    /// The cache the configuration asks for.
    pub fn cache_settings(&self) -> blog_services::cache::CacheSettings {
        use blog_services::cache::{CacheBackend as Backend, CacheSettings};
        let backend = match (self.cache, &self.redis_url) {
            (CacheBackend::Redis, Some(url)) => Backend::Redis(url.clone()),
            (CacheBackend::Off, _) => Backend::Off,
            _ => Backend::Memory,
        };
        CacheSettings {
            timeout: self.cache_timeout,
            ..CacheSettings::new(backend)
        }
    }

    /// True when the database is SQLite (the embedded default or a `sqlite:` URL).
    pub fn is_sqlite(&self) -> bool {
        self.database.url.starts_with("sqlite:")
    }
}

fn invalid(variable: &str, value: &str, expected: &str) -> ConfigError {
    ConfigError {
        variable: variable.into(),
        value: value.into(),
        expected: expected.into(),
    }
}

/// A whole number of at least `min`, or `default` when unset.
fn number(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: u64,
    min: u64,
) -> Result<u64, ConfigError> {
    match get(key) {
        None => Ok(default),
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= min)
            .ok_or_else(|| invalid(key, &text, &format!("a whole number of at least {min}"))),
    }
}

/// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`), or `default` when unset.
fn flag(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(key).map(|v| v.to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(other) => Err(invalid(key, other, "true or false")),
    }
}

/// `KEY=VALUE` lines; blank lines and `#` comments are skipped, quotes stripped.
fn parse_env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or(v);
            (k.trim().to_owned(), v.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| vars.get(k).cloned())
    }

    #[test]
    fn no_configuration_is_the_embedded_default() {
        let c = config(&[]).unwrap();
        assert!(c.embedded && c.is_sqlite() && c.debug_headers);
        assert_eq!(c.cache, CacheBackend::Memory);
        assert_eq!(c.bind.to_string(), "127.0.0.1:8000");
        assert_eq!(c.database.max_connections, 20);
        assert_eq!(c.database.min_connections, 5);
        assert_eq!(c.database.acquire_timeout, Duration::from_millis(2000));
        assert_eq!(c.cache_timeout, Duration::from_millis(50));
        assert_eq!(c.token_ttl, Duration::from_secs(30 * 24 * 3600));
    }

    #[test]
    fn postgres_and_redis_switch_the_parts() {
        let c = config(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("REDIS_URL", "redis://127.0.0.1:6379/0"),
        ])
        .unwrap();
        assert!(!c.embedded && !c.is_sqlite() && !c.debug_headers);
        assert_eq!(c.cache, CacheBackend::Redis);
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let err = config(&[("BLOG_WORKERS", "many")]).unwrap_err();
        assert_eq!(err.variable, "BLOG_WORKERS");
        assert_eq!(
            err.to_string(),
            "invalid configuration: BLOG_WORKERS=\"many\": a whole number of at least 1"
        );
        assert_eq!(
            config(&[("BLOG_CACHE", "disk")]).unwrap_err().variable,
            "BLOG_CACHE"
        );
        assert_eq!(
            config(&[("BLOG_DEBUG_HEADERS", "maybe")])
                .unwrap_err()
                .variable,
            "BLOG_DEBUG_HEADERS"
        );
        assert_eq!(
            config(&[("DATABASE_URL", "mysql://x")])
                .unwrap_err()
                .variable,
            "DATABASE_URL"
        );
        assert_eq!(
            config(&[("BLOG_DB_MIN_CONNECTIONS", "30")])
                .unwrap_err()
                .variable,
            "BLOG_DB_MIN_CONNECTIONS"
        );
    }

    #[test]
    fn env_files_are_key_value_lines() {
        let vars = parse_env_file("# comment\n\nBLOG_BIND=0.0.0.0:9000\nRUST_LOG=\"debug\"\n");
        assert_eq!(
            vars,
            vec![
                ("BLOG_BIND".to_string(), "0.0.0.0:9000".to_string()),
                ("RUST_LOG".to_string(), "debug".to_string()),
            ]
        );
    }
}
