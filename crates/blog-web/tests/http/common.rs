//! The test harness: a server on an ephemeral port over its own database.

use std::net::TcpListener;
use std::time::Duration;

use blog_services::PasswordHasher;
use blog_services::cache::{Cache, CacheBackend, CacheSettings};
use blog_services::dataset::{self, DatasetSpec};
use blog_testkit::{TestDatabase, redis_url, unique_prefix};
use blog_web::monitor::MonitorSettings;
use blog_web::state::{AppState, StateSettings};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

/// A running server on an ephemeral port over its own database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub test_db: TestDatabase,
    pub cache: Cache,
}

impl TestApp {
    /// An empty site with the cache off.
    pub async fn empty() -> TestApp {
        TestApp::start(TestDatabase::new().await, Cache::off())
    }

    /// `posts` posts of the benchmark dataset, cache off.
    pub async fn with_posts(posts: usize) -> TestApp {
        let app = TestApp::empty().await;
        app.seed(posts).await;
        app
    }

    /// `posts` posts, cached in Redis (`TEST_REDIS_URL`) or in process.
    pub async fn cached(posts: usize) -> TestApp {
        TestApp::with_cache(posts, cache_settings()).await
    }

    /// `posts` posts, with a cache of these settings.
    pub async fn with_cache(posts: usize, settings: CacheSettings) -> TestApp {
        let app = TestApp::start(TestDatabase::new().await, Cache::new(&settings));
        app.seed(posts).await;
        app
    }

    /// `posts` posts, the environment's cache, and these service settings.
    pub async fn with_settings(posts: usize, settings: StateSettings) -> TestApp {
        let cache = Cache::new(&cache_settings());
        let app = TestApp::start_with(TestDatabase::new().await, cache, settings);
        app.seed(posts).await;
        app
    }

    fn start(test_db: TestDatabase, cache: Cache) -> TestApp {
        TestApp::start_with(test_db, cache, StateSettings::default())
    }

    fn start_with(test_db: TestDatabase, cache: Cache, settings: StateSettings) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let monitor = MonitorSettings {
            debug_headers: true,
            strict_n_plus_one: true,
            sample_interval: Duration::from_millis(300),
            ..MonitorSettings::default()
        };
        let settings = StateSettings {
            analytics_key: format!("{}:analytics:daily", unique_prefix()),
            ..settings
        };
        let state = AppState::new(test_db.db.clone(), cache.clone(), &settings);
        let server = blog_web::app::run(listener, state, monitor, 1).expect("server starts");
        tokio::spawn(server);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base,
            client,
            test_db,
            cache,
        }
    }

    async fn seed(&self, posts: usize) {
        if posts > 0 {
            dataset::seed(
                &self.test_db.db,
                &DatasetSpec::new(posts),
                &PasswordHasher::fast_insecure(),
                &mut |_, _| {},
            )
            .await
            .expect("seed");
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

/// The cache backend the environment offers, under a prefix of its own.
pub fn cache_settings() -> CacheSettings {
    let backend = match redis_url() {
        Some(url) => CacheBackend::Redis(url),
        None => CacheBackend::Memory,
    };
    CacheSettings {
        prefix: unique_prefix(),
        timeout: Duration::from_millis(500),
        ..CacheSettings::new(backend)
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
