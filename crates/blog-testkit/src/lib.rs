//! Test support: every test gets its own database, cloned from a migrated template.
//!
//! Set `TEST_DATABASE_URL=postgres://user@host/db` to run on PostgreSQL: the URL
//! names a maintenance database; templates and per-test databases are created
//! beside it. Without it, tests run on SQLite files in the temp directory.
//! Either way the template is migrated once per version of the migrations (its
//! name carries a hash of their sources) and cloned per test, in milliseconds.
//! Databases and files left by killed test processes are swept at start.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub mod fault_proxy;
pub mod nginx;
pub mod pgbouncer;
mod queries;
pub mod redis_server;

pub use queries::assert_num_queries;

use blog_repositories::DbPool;
use blog_repositories::{DatabaseConfig, PoolConfig, Protocol, SecretUrl, database};
use blog_services::cache::{CacheBackend, CacheConfig};
use blog_services::redis::RedisConfig;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

/// An isolated, migrated, empty database that disappears when dropped.
pub struct TestDatabase {
    /// A pool on the database, with query monitoring installed.
    pub db: DbPool,
    /// Its URL, for code under test that opens its own pool.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Postgres {
        maintenance_url: String,
        name: String,
    },
    Sqlite {
        path: PathBuf,
    },
}

impl TestDatabase {
    /// A fresh database on the backend `TEST_DATABASE_URL` selects (SQLite if unset).
    pub async fn new() -> TestDatabase {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => Self::postgres(url.trim()).await,
            _ => Self::sqlite().await,
        }
    }

    /// The configuration of a small pool on `url`, as the service would open
    /// it; `TEST_DB_PROTOCOL=simple` runs the tests over the simple protocol
    /// (as behind PgBouncer), which the pinned statement counts must not notice.
    pub fn config(url: &str) -> DatabaseConfig {
        let protocol = match std::env::var("TEST_DB_PROTOCOL").as_deref() {
            Ok("simple") => Protocol::Simple,
            _ => Protocol::Extended,
        };
        DatabaseConfig {
            protocol,
            ..Self::migration_config(url)
        }
    }

    /// A small pool that can migrate (prepared statements, a direct connection).
    fn migration_config(url: &str) -> DatabaseConfig {
        DatabaseConfig {
            url: SecretUrl::new(url),
            pool: PoolConfig {
                max_connections: 5,
                min_connections: 0,
                ..PoolConfig::default()
            },
            ..DatabaseConfig::default()
        }
    }

    async fn postgres(maintenance_url: &str) -> TestDatabase {
        let template = template_name();
        let admin = admin_connection(maintenance_url).await;
        // One process creates the template; the others wait on the lock, then see it.
        admin
            .execute_unprepared(&format!("SELECT pg_advisory_lock({})", lock_key(&template)))
            .await
            .expect("advisory lock");
        let exists = admin
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                admin.get_database_backend(),
                "SELECT 1 FROM pg_database WHERE datname = $1",
                [template.clone().into()],
            ))
            .await
            .expect("look up template")
            .is_some();
        if !exists {
            sweep_postgres(&admin, &template).await;
            // Build under another name, rename when complete: a failed build
            // leaves no template that later runs would trust.
            let building = format!("{template}_building_{}", unique_suffix());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {building}"))
                .await
                .expect("create template database");
            let url = with_database(maintenance_url, &building);
            let db = database::connect(&Self::migration_config(&url))
                .await
                .expect("connect template");
            database::migrate(&db).await.expect("migrate template");
            db.close().await.expect("close template");
            admin
                .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {template}"))
                .await
                .expect("publish template");
        }
        admin
            .execute_unprepared(&format!(
                "SELECT pg_advisory_unlock({})",
                lock_key(&template)
            ))
            .await
            .expect("advisory unlock");

        let name = format!("blog_test_{}", unique_suffix());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .expect("clone template");
        admin.close().await.ok();

        let url = with_database(maintenance_url, &name);
        let db = database::connect(&Self::config(&url))
            .await
            .expect("connect test database");
        TestDatabase {
            db,
            url,
            cleanup: Cleanup::Postgres {
                maintenance_url: maintenance_url.to_owned(),
                name,
            },
        }
    }

    async fn sqlite() -> TestDatabase {
        let dir = std::env::temp_dir().join("blog-tests");
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let template = dir.join(format!("{}.sqlite3", template_name()));
        if !template.exists() {
            sweep_sqlite(&dir);
            // Build aside, then rename: concurrent test processes never see half a template.
            let building = dir.join(format!("building-{}.sqlite3", unique_suffix()));
            let url = sqlite_url(&building);
            let db = database::connect(&Self::config(&url))
                .await
                .expect("create template");
            database::migrate(&db).await.expect("migrate template");
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .expect("checkpoint template");
            db.close().await.expect("close template");
            std::fs::rename(&building, &template).expect("publish template");
            remove_sqlite_files(&building);
        }
        let path = dir.join(format!("test-{}.sqlite3", unique_suffix()));
        std::fs::copy(&template, &path).expect("clone template");
        let url = sqlite_url(&path);
        let db = database::connect(&Self::config(&url))
            .await
            .expect("connect test database");
        TestDatabase {
            db,
            url,
            cleanup: Cleanup::Sqlite { path },
        }
    }

    /// True when the tests run on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres { .. })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Sqlite { path } => remove_sqlite_files(path),
            Cleanup::Postgres {
                maintenance_url,
                name,
            } => {
                // Drop runs inside the test's runtime: do the async work on a thread of its own.
                let (url, name) = (maintenance_url.clone(), name.clone());
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    runtime.block_on(async move {
                        let admin = admin_connection(&url).await;
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        admin.close().await.ok();
                    });
                });
                let _ = dropped.join();
            }
        }
    }
}

/// The Redis of `TEST_REDIS_URL`, if set: cache tests use it, else the
/// in-process backend.
pub fn redis_url() -> Option<String> {
    std::env::var("TEST_REDIS_URL")
        .ok()
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
}

/// A cache key prefix no other test uses, so tests can share one Redis.
pub fn unique_prefix() -> String {
    format!("blogtest{}", unique_suffix())
}

/// The Redis the environment offers (`TEST_REDIS_URL`, else none), with a
/// timeout generous enough that a loaded CI machine never turns a slow answer
/// into a miss.
pub fn redis_config() -> RedisConfig {
    RedisConfig {
        url: redis_url().map(SecretUrl::new),
        timeout: Duration::from_millis(500),
        ..RedisConfig::default()
    }
}

/// The cache the environment offers (Redis with `TEST_REDIS_URL`, else in
/// process), under a key prefix of its own.
pub fn cache_config() -> CacheConfig {
    CacheConfig {
        backend: if redis_url().is_some() {
            CacheBackend::Redis
        } else {
            CacheBackend::Memory
        },
        prefix: unique_prefix(),
        ..CacheConfig::default()
    }
}

/// A single-connection pool on the maintenance database, without monitoring.
async fn admin_connection(url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    Database::connect(options)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to TEST_DATABASE_URL ({url}): {e}"))
}

/// `blog_tpl_<hash of the migration sources>` (computed by build.rs).
fn template_name() -> String {
    format!("blog_tpl_{}", env!("BLOG_MIGRATIONS_HASH"))
}

/// True when the test process that made a `<pid>_...` name has exited.
fn owner_is_gone(suffix: &str) -> bool {
    match suffix
        .split('_')
        .next()
        .and_then(|pid| pid.parse::<u32>().ok())
    {
        Some(pid) => pid != std::process::id() && !PathBuf::from(format!("/proc/{pid}")).exists(),
        None => false,
    }
}

/// Drops test databases of exited processes, half-built templates and templates
/// of older migrations.
async fn sweep_postgres(admin: &DatabaseConnection, current_template: &str) {
    let Ok(rows) = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'blog\\_test\\_%' OR datname LIKE 'blog\\_tpl\\_%'",
        ))
        .await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get_by_index::<String>(0) else {
            continue;
        };
        let stale = match name.strip_prefix("blog_test_") {
            Some(suffix) => owner_is_gone(suffix),
            None => name != current_template,
        };
        if stale {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}

/// Removes SQLite files of exited test processes.
fn sweep_sqlite(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let suffix = name
            .strip_prefix("test-")
            .or_else(|| name.strip_prefix("building-"));
        if suffix.is_some_and(owner_is_gone) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The advisory lock that serializes template creation across processes.
fn lock_key(template: &str) -> i64 {
    let hex = template.trim_start_matches("blog_tpl_");
    i64::from_str_radix(hex, 16).unwrap_or(42)
}

/// Unique across the test processes running at once: pid, time and a counter.
fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// `url` with its database name replaced by `name` (query string kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
