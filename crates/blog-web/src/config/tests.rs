//! The configuration read from made-up sources: defaults, precedence, range
//! checks, dotenv files, secrets.

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use blog_services::cache::CacheBackend;

use super::{Config, ConfigError, markdown_table};

/// A scratch directory, removed afterwards.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("blog-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The configuration from `pairs` as the environment and `dir` as the working directory.
fn read_in(dir: &Path, pairs: &[(&str, &str)]) -> Result<(Config, Vec<String>), ConfigError> {
    let env: HashMap<String, OsString> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect();
    let mut names = env
        .keys()
        .map(OsString::from)
        .collect::<Vec<_>>()
        .into_iter();
    Config::from_sources(&|name| env.get(name).cloned(), &mut names, dir)
}

fn read(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = Dir::new("plain");
    read_in(&dir.0, pairs).map(|(config, _)| config)
}

fn invalid_variable(pairs: &[(&str, &str)]) -> String {
    match read(pairs) {
        Err(ConfigError::Invalid { variable, .. }) => variable,
        other => panic!("{pairs:?} should be invalid: {other:?}"),
    }
}

#[test]
fn no_configuration_is_the_embedded_default() {
    let c = read(&[]).unwrap();
    assert_eq!(c, Config::default());
    assert!(c.embedded() && c.database.is_sqlite() && c.debug_headers());
    assert_eq!(c.cache.backend, CacheBackend::Memory);
    assert_eq!(c.server.bind.to_string(), "127.0.0.1:8000");
    assert_eq!(c.database.pool.max_connections, 20);
    assert_eq!(c.database.pool.min_connections, 5);
    assert_eq!(c.database.pool.acquire_timeout, Duration::from_millis(2000));
    assert_eq!(c.redis.timeout, Duration::from_millis(50));
    assert_eq!(c.auth.token_ttl, Duration::from_secs(30 * 24 * 3600));
    assert_eq!(c.analytics.key, "analytics:daily");
}

#[test]
fn postgres_and_redis_switch_the_parts() {
    let c = read(&[
        ("DATABASE_URL", "postgres://u@h/db"),
        ("REDIS_URL", "redis://127.0.0.1:6379/0"),
    ])
    .unwrap();
    assert!(!c.embedded() && !c.database.is_sqlite() && !c.debug_headers());
    assert_eq!(c.cache.backend, CacheBackend::Redis);
    let forced = read(&[
        ("DATABASE_URL", "postgres://u@h/db"),
        ("BLOG_DEBUG_HEADERS", "true"),
        ("REDIS_URL", "redis://127.0.0.1:6379/0"),
        ("BLOG_CACHE", "memory"),
    ])
    .unwrap();
    assert!(forced.debug_headers());
    assert_eq!(forced.cache.backend, CacheBackend::Memory);
}

#[test]
fn a_bad_value_names_the_variable_and_what_it_expects() {
    let err = read(&[("BLOG_WORKERS", "many")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration: BLOG_WORKERS=\"many\": a whole number from 1 to 1024"
    );
    assert_eq!(invalid_variable(&[("BLOG_CACHE", "disk")]), "BLOG_CACHE");
    assert_eq!(invalid_variable(&[("BLOG_CACHE", "redis")]), "BLOG_CACHE");
    assert_eq!(
        invalid_variable(&[("BLOG_DEBUG_HEADERS", "maybe")]),
        "BLOG_DEBUG_HEADERS"
    );
    assert_eq!(
        invalid_variable(&[("DATABASE_URL", "mysql://x")]),
        "DATABASE_URL"
    );
    assert_eq!(invalid_variable(&[("RUST_LOG", "info,[")]), "RUST_LOG");
    assert_eq!(invalid_variable(&[("BLOG_BIND", "localhost")]), "BLOG_BIND");
    assert_eq!(
        invalid_variable(&[("BLOG_TRUSTED_PROXIES", "10.0.0.0/8, nonsense")]),
        "BLOG_TRUSTED_PROXIES"
    );
    assert_eq!(
        invalid_variable(&[("BLOG_DB_MIN_CONNECTIONS", "30")]),
        "BLOG_DB_MIN_CONNECTIONS"
    );
}

/// Every number is range-checked at start, so no setting can overflow later
/// (a token lifetime of 10^10 hours used to panic every login).
#[test]
fn numbers_out_of_range_stop_the_start() {
    for (variable, value) in [
        ("BLOG_TOKEN_TTL_HOURS", "10000000000"),
        ("BLOG_TOKEN_TTL_HOURS", "87601"),
        ("BLOG_TOKEN_TTL_HOURS", "0"),
        ("BLOG_DB_MAX_CONNECTIONS", "0"),
        ("BLOG_DB_ACQUIRE_TIMEOUT_MS", "99999999999999999999"),
        ("BLOG_CACHE_TIMEOUT_MS", "0"),
        ("BLOG_CACHE_MEMORY_MB", "100000"),
        ("BLOG_WORKERS", "100000"),
        ("BLOG_MONITORING_SAMPLE_MS", "1"),
    ] {
        assert_eq!(invalid_variable(&[(variable, value)]), variable, "{value}");
    }
    let c = read(&[("BLOG_TOKEN_TTL_HOURS", "87600")]).unwrap();
    assert_eq!(c.auth.token_ttl, blog_services::auth::MAX_TOKEN_TTL);
}

#[test]
fn secrets_never_show_in_debug_or_errors() {
    let c = read(&[
        ("DATABASE_URL", "postgres://blog:pg-s3cret@db/blog"),
        ("REDIS_URL", "redis://:redis-s3cret@cache:6379/0"),
        (
            "BLOG_EXTERNAL_API_URL",
            "https://api:api-s3cret@stats.example/v1",
        ),
    ])
    .unwrap();
    let debug = format!("{c:?} {c:#?}");
    for secret in ["pg-s3cret", "redis-s3cret", "api-s3cret"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("postgres://blog:***@db/blog"), "{debug}");
    let err = read(&[("DATABASE_URL", "mysql://blog:my-s3cret@db/blog")]).unwrap_err();
    assert!(!err.to_string().contains("my-s3cret"), "{err}");
    assert!(
        err.to_string().contains("mysql://blog:***@db/blog"),
        "{err}"
    );
}

#[test]
fn files_are_dotenv_and_the_environment_wins() {
    let dir = Dir::new("files");
    dir.write(
        ".env",
        "# the working directory's file\nexport BLOG_WORKERS=3\nBLOG_BIND='0.0.0.0:9000'\nRUST_LOG=\"debug\" # trailing comment\n",
    );
    let named = dir.write("blog.env", "BLOG_WORKERS=4\nBLOG_SLOWW_REQUEST_MS=1\n");
    let named = named.to_str().unwrap();
    let (c, unknown) = read_in(&dir.0, &[("BLOG_CONFIG", named), ("RUST_LOG", "warn")]).unwrap();
    assert_eq!(c.server.workers, 4, "BLOG_CONFIG's file over .env");
    assert_eq!(
        c.server.bind.to_string(),
        "0.0.0.0:9000",
        "quotes are stripped"
    );
    assert_eq!(c.log.filter, "warn", "the environment over every file");
    assert_eq!(
        unknown,
        vec!["BLOG_SLOWW_REQUEST_MS".to_owned()],
        "a typo is reported"
    );
}

#[test]
fn a_malformed_line_names_the_file_and_the_line() {
    let dir = Dir::new("malformed");
    let path = dir.write(
        "blog.env",
        "BLOG_WORKERS=2\n# fine\nDATABASE_URL postgres://u:hidden@h/db\n",
    );
    let err = read_in(&dir.0, &[("BLOG_CONFIG", path.to_str().unwrap())]).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ConfigError::File { line: 3, .. }), "{text}");
    assert!(
        text.contains("blog.env") && text.contains("line 3"),
        "{text}"
    );
    assert!(
        !text.contains("hidden"),
        "the line itself is not echoed: {text}"
    );
    let missing = read_in(&dir.0, &[("BLOG_CONFIG", "/nonexistent/blog.env")]).unwrap_err();
    assert!(
        missing.to_string().contains("/nonexistent/blog.env"),
        "{missing}"
    );
}

#[test]
fn non_unicode_values_are_refused_only_for_our_variables() {
    let dir = Dir::new("unicode");
    let bytes = OsString::from_vec(vec![0x66, 0x6f, 0xff]);
    let env: HashMap<&str, OsString> = HashMap::from([("SOMEONE_ELSES", bytes.clone())]);
    let mut names = vec![OsString::from("SOMEONE_ELSES"), bytes.clone()].into_iter();
    let (config, _) = Config::from_sources(&|n| env.get(n).cloned(), &mut names, &dir.0).unwrap();
    assert_eq!(config, Config::default());
    let ours: HashMap<&str, OsString> = HashMap::from([("BLOG_BIND", bytes)]);
    let err = Config::from_sources(&|n| ours.get(n).cloned(), &mut std::iter::empty(), &dir.0)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration: BLOG_BIND is not valid UTF-8"
    );
}

#[test]
fn the_readme_shows_the_generated_table() {
    let readme = include_str!("../../../../README.md");
    let table = markdown_table();
    assert!(
        readme.contains(&table),
        "README.md's configuration table is out of date; replace it with:\n\n{table}"
    );
}

/// The Redis client of this build has no TLS: a `rediss://` URL is refused at
/// start with one clear line, rather than accepted and then silently uncached.
#[test]
fn tls_to_redis_is_refused_at_start() {
    let err = read(&[("REDIS_URL", "rediss://:pw@cache:6380/0")]).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("invalid configuration: REDIS_URL="),
        "{text}"
    );
    assert!(text.contains("no TLS to Redis"), "{text}");
    assert!(!text.contains(":pw@"), "{text}");
}
