//! The test harness: the service, started through the same
//! [`Application::build`] as `blog serve`, on an ephemeral port over its own
//! database. Tests change the configuration, never the wiring.

use std::sync::Arc;
use std::time::Duration;

use blog_repositories::DbPool;
use blog_services::PasswordHasher;
use blog_services::cache::{Cache, CacheBackend, CacheConfig};
use blog_services::dataset::{self, DatasetSpec};
use blog_testkit::{TestDatabase, cache_config, redis_config, unique_prefix};
use blog_web::config::Config;
use blog_web::startup::{Application, ShutdownHandle};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

/// A running server on an ephemeral port over its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client that does not follow redirects.
    pub client: reqwest::Client,
    /// The test's database (its own pool, for setting up cases), shared with
    /// any other instance of the test ([`TestApp::another_instance`]).
    pub test_db: Arc<TestDatabase>,
    /// The configuration it was built from.
    pub config: Config,
    /// The service's cache (its statistics).
    pub cache: Cache,
    /// The service's own pool (cutting it makes the database unreachable).
    pub app_db: DbPool,
    /// Stops the server when the test is done with it.
    pub shutdown: ShutdownHandle,
}

impl TestApp {
    /// An empty site with the cache off.
    pub async fn empty() -> TestApp {
        TestApp::with_posts(0).await
    }

    /// `posts` posts of the benchmark dataset, cache off.
    pub async fn with_posts(posts: usize) -> TestApp {
        TestApp::with_cache(posts, uncached()).await
    }

    /// `posts` posts, cached in Redis (`TEST_REDIS_URL`) or in process.
    pub async fn cached(posts: usize) -> TestApp {
        TestApp::with_cache(posts, cache_config()).await
    }

    /// `posts` posts, with a cache of this configuration.
    pub async fn with_cache(posts: usize, cache: CacheConfig) -> TestApp {
        TestApp::with_config(posts, |config| config.cache = cache).await
    }

    /// `posts` posts, the environment's cache, and the test's configuration
    /// changed by `change`.
    pub async fn with_config(posts: usize, change: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::on_database(TestDatabase::new().await, posts, change).await
    }

    /// Like [`TestApp::with_config`], over a database the test made (to put
    /// a pooler or a fault proxy in front of it first).
    pub async fn on_database(
        test_db: TestDatabase,
        posts: usize,
        change: impl FnOnce(&mut Config),
    ) -> TestApp {
        seed(&test_db, posts).await;
        let mut config = test_config(&test_db);
        change(&mut config);
        TestApp::launch(Arc::new(test_db), config).await
    }

    /// A second instance over the same database (and Redis, with the same
    /// key prefix) as this one, its configuration changed by `change`: a
    /// fleet of two.
    pub async fn another_instance(&self, change: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = self.config.clone();
        change(&mut config);
        TestApp::launch(self.test_db.clone(), config).await
    }

    async fn launch(test_db: Arc<TestDatabase>, config: Config) -> TestApp {
        let application = Application::build(&config)
            .await
            .expect("the service starts");
        let base = format!("http://{}", application.address());
        let cache = application.state().cache.clone();
        let app_db = application.database().clone();
        let shutdown = application.shutdown_handle();
        tokio::spawn(application.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base,
            client,
            test_db,
            config,
            cache,
            app_db,
            shutdown,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// Status, statement count and body text of a GET.
    pub async fn fetch(&self, path: &str) -> (StatusCode, u32, String) {
        let response = self.get(path).await;
        let status = response.status();
        let statements = query_count(response.headers());
        (status, statements, response.text().await.unwrap())
    }

    /// Waits (at most `within`) until `path` is served from the cache: a
    /// repeated fetch of it runs no statement.
    pub async fn until_cached(&self, path: &str, within: Duration) {
        let deadline = std::time::Instant::now() + within;
        loop {
            self.fetch(path).await;
            if self.fetch(path).await.1 == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{path} was not cached again within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Status and JSON body of a GET.
    pub async fn json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.get(path).await;
        let status = response.status();
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{path} answers JSON"
        );
        (status, response.json().await.unwrap())
    }

    /// Runs SQL straight on the test database (setting up a case).
    pub async fn sql(&self, sql: &str) {
        let db = &self.test_db.db;
        db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect(sql);
    }

    /// The column `n` of the one row `sql` returns, on the test database.
    pub async fn sql_count(&self, sql: &str) -> i64 {
        let db = &self.test_db.db;
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect(sql)
            .expect("one row");
        row.try_get::<i64>("", "n").expect("a column n")
    }

    /// A token for a dataset user (`testuser`/`testpass123`, `user{n}`/`password{n}`).
    pub async fn login(&self, username: &str, password: &str) -> String {
        let response = self
            .client
            .post(self.url("/auth/login/"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "login as {username}");
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// A token for the administrator.
    pub async fn login_admin(&self) -> String {
        self.login(dataset::ADMIN_USERNAME, ADMIN_PASSWORD).await
    }

    /// A token for a dataset user by name alone.
    pub async fn login_as(&self, username: &str) -> String {
        self.login(username, &password_of(username)).await
    }

    /// A request with `Authorization: Bearer <token>`.
    pub fn authed(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }
}

/// The configuration every test starts from: the test's database, any free
/// port, one worker, debug headers on, the N+1 detector strict, fast samples,
/// and keys of its own in a shared Redis.
fn test_config(test_db: &TestDatabase) -> Config {
    let mut config = Config {
        database: TestDatabase::config(&test_db.url),
        redis: redis_config(),
        cache: cache_config(),
        ..Config::default()
    };
    config.server.bind = "127.0.0.1:0".parse().unwrap();
    config.server.workers = 1;
    config.monitoring.debug_headers = Some(true);
    config.monitoring.n_plus_one_strict = true;
    config.monitoring.sample_interval = Duration::from_millis(300);
    config.analytics.key = format!("{}:analytics:daily", unique_prefix());
    config
}

/// The environment's cache settings with caching off.
fn uncached() -> CacheConfig {
    CacheConfig {
        backend: CacheBackend::Off,
        ..cache_config()
    }
}

/// The administrator's password in every test's dataset.
pub const ADMIN_PASSWORD: &str = "admin-password";

/// `posts` posts of the benchmark dataset and the administrator, with cheap
/// password hashes.
async fn seed(test_db: &TestDatabase, posts: usize) {
    if posts > 0 {
        dataset::seed(
            &test_db.db,
            &DatasetSpec::new(posts).with_admin_password(ADMIN_PASSWORD),
            &PasswordHasher::fast_insecure(),
            &mut |_, _| {},
        )
        .await
        .expect("seed");
    }
}

/// The dataset's password of `username` (`testuser`, `user{n}`).
pub fn password_of(username: &str) -> String {
    if username == "testuser" {
        "testpass123".to_owned()
    } else {
        username.replace("user", "password")
    }
}

/// Some dataset user other than `username`.
pub fn someone_else(username: &str) -> &'static str {
    if username == "user9" {
        "user8"
    } else {
        "user9"
    }
}

/// The `X-Query-Count` of a response.
pub fn query_count(headers: &HeaderMap) -> u32 {
    headers
        .get("x-query-count")
        .expect("X-Query-Count header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Posts in the order of a page's `<article class="card">` links.
pub fn card_ids(html: &str) -> Vec<i32> {
    html.split("<article class=\"card\">")
        .skip(1)
        .map(|card| {
            let start = card.find("href=\"/blog/").unwrap() + "href=\"/blog/".len();
            card[start..].split('/').next().unwrap().parse().unwrap()
        })
        .collect()
}
