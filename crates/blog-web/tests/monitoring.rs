//! The request monitor's warnings: a slow request or one with too many
//! statements is logged with its path, duration and statement count; a slow
//! statement with its SQL cut to 200 characters.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{test, web};
use blog_repositories::database;
use blog_services::PasswordHasher;
use blog_services::cache::{CacheBackend, CacheConfig};
use blog_services::dataset::{self, DatasetSpec};
use blog_testkit::TestDatabase;
use blog_web::config::Config;
use blog_web::request_metrics::MonitoringConfig;
use blog_web::routes;
use blog_web::state::AppState;
use tracing_subscriber::fmt::MakeWriter;

/// Log lines written by the subscriber under test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The services over `db`, uncached, measured as `monitoring` says: the same
/// wiring `blog serve` uses, in process.
fn state(db: blog_repositories::DbPool, monitoring: MonitoringConfig) -> web::Data<AppState> {
    let config = Config {
        cache: CacheConfig {
            backend: CacheBackend::Off,
            ..CacheConfig::default()
        },
        monitoring,
        ..Config::default()
    };
    let state = AppState::new(db, &config).expect("the services build");
    state.started.done();
    web::Data::new(state)
}

fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    (
        captured.clone(),
        tracing::subscriber::set_default(subscriber),
    )
}

#[actix_web::test]
async fn slow_requests_and_statements_are_logged_with_what_they_cost() {
    let test_db = TestDatabase::new().await;
    dataset::seed(
        &test_db.db,
        &DatasetSpec::new(25),
        &PasswordHasher::fast_insecure(),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    // A pool on the same database whose every statement counts as slow.
    let mut config = TestDatabase::config(&test_db.url);
    config.slow_statement = Duration::ZERO;
    let db = database::connect(&config).await.unwrap();
    let (logs, _guard) = capture();

    let strict = MonitoringConfig {
        debug_headers: Some(false),
        slow_request: Duration::from_secs(60),
        slow_request_statements: 1,
        ..MonitoringConfig::default()
    };
    let app = test::init_service(routes::app(state(db, strict))).await;
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/blog/").to_request()).await;
    assert!(response.status().is_success());
    assert!(
        !response.headers().contains_key("x-query-count"),
        "debug headers off"
    );
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/blog/4/").to_request()).await;
    assert!(response.status().is_success());

    let text = logs.text();
    let requests: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("slow request"))
        .collect();
    assert_eq!(
        requests.len(),
        1,
        "only /blog/ (2 statements) is over 1:\n{text}"
    );
    assert!(requests[0].contains("path=/blog/"));
    assert!(requests[0].contains("statements=2"));
    assert!(requests[0].contains("duration_ms="));
    let statements: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("slow SQL statement"))
        .collect();
    assert_eq!(
        statements.len(),
        3,
        "2 + 1 statements, each over a 0 ms threshold"
    );
    for line in statements {
        let sql = line.split("sql=").nth(1).expect("the SQL is logged");
        let sql = sql.split(" elapsed_ms=").next().unwrap();
        assert!(sql.starts_with("SELECT"), "{line}");
        assert!(sql.chars().count() <= 200, "cut to 200 characters: {sql}");
    }
}

#[actix_web::test]
async fn slow_requests_are_logged_by_duration_too() {
    let test_db = TestDatabase::new().await;
    let (logs, _guard) = capture();
    let by_time = MonitoringConfig {
        debug_headers: Some(true),
        slow_request: Duration::ZERO,
        slow_request_statements: 100,
        ..MonitoringConfig::default()
    };
    let app = test::init_service(routes::app(state(test_db.db.clone(), by_time))).await;
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/health/").to_request()).await;
    assert_eq!(response.headers().get("x-query-count").unwrap(), "1");
    let text = logs.text();
    assert!(
        text.contains("slow request") && text.contains("path=/health/"),
        "{text}"
    );
}

/// The naive list view, ported: one query for the posts, then the author, the
/// category and the comment count of each post, one query each.
async fn naive_post_list(db: web::Data<blog_repositories::DbPool>) -> actix_web::HttpResponse {
    use blog_entities::{category, comment, post, user};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
    let posts = post::Entity::find()
        .order_by_desc(post::Column::CreatedAt)
        .limit(20)
        .all(db.get_ref())
        .await
        .unwrap();
    let mut rows = Vec::new();
    for p in posts {
        let author = user::Entity::find_by_id(p.user_id)
            .one(db.get_ref())
            .await
            .unwrap();
        let category = category::Entity::find_by_id(p.category_id)
            .one(db.get_ref())
            .await
            .unwrap();
        let comments = comment::Entity::find()
            .filter(comment::Column::PostId.eq(p.id))
            .count(db.get_ref())
            .await
            .unwrap();
        rows.push(format!(
            "{} by {} in {} ({comments})",
            p.title,
            author.map(|u| u.username).unwrap_or_default(),
            category.map(|c| c.name).unwrap_or_default()
        ));
    }
    actix_web::HttpResponse::Ok().body(rows.join("\n"))
}

#[actix_web::test]
async fn the_n_plus_one_detector_catches_the_naive_list_view() {
    let test_db = TestDatabase::new().await;
    dataset::seed(
        &test_db.db,
        &DatasetSpec::new(25),
        &PasswordHasher::fast_insecure(),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    let (logs, _guard) = capture();
    blog_web::prometheus::recorder().expect("the recorder installs");
    for strict in [false, true] {
        let settings = MonitoringConfig {
            debug_headers: Some(true),
            n_plus_one_strict: strict,
            ..MonitoringConfig::default()
        };
        let app = test::init_service(
            routes::app(state(test_db.db.clone(), settings))
                .app_data(web::Data::new(test_db.db.clone()))
                .route("/naive/", web::get().to(naive_post_list)),
        )
        .await;
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/naive/").to_request()).await;
        assert_eq!(
            response.headers().get("x-query-count").unwrap(),
            "61",
            "1 + 3 x 20"
        );
        let shape = response
            .headers()
            .get("x-n-plus-one")
            .expect("the detector names the shape");
        assert!(shape.to_str().unwrap().contains("FROM"), "{shape:?}");
        if strict {
            assert_eq!(response.status(), 500, "strict mode fails the request");
            let page = test::read_body(response).await;
            let page = String::from_utf8_lossy(&page);
            assert!(
                page.contains("<html") && page.contains("N+1 query detected"),
                "a page path gets the HTML error page: {page}"
            );
        } else {
            assert!(
                response.status().is_success(),
                "outside strict mode it only warns"
            );
        }
        // The real list page, the same data, never trips it.
        let real =
            test::call_service(&app, test::TestRequest::get().uri("/blog/").to_request()).await;
        assert!(real.status().is_success());
        assert!(real.headers().get("x-n-plus-one").is_none());
    }
    let text = logs.text();
    let warnings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("N+1 query detected"))
        .collect();
    assert_eq!(warnings.len(), 2, "{text}");
    let failures: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("ERROR") && l.contains("request failed"))
        .collect();
    assert_eq!(failures.len(), 1, "the strict 500 is logged once: {text}");
    assert!(failures[0].contains("error=N+1 query detected on /naive/: 20 x SELECT"));
    assert!(warnings[0].contains("route=/naive/") && warnings[0].contains("repeats=20"));
    let metrics = blog_web::prometheus::recorder().unwrap().render();
    assert!(
        metrics.contains(r#"n_plus_one_total{route="/naive/"} 2"#),
        "{metrics}"
    );
}
