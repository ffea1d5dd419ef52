//! What every handler can reach: the services, built once at start.

use std::time::Duration;

use blog_repositories::DatabaseConnection;
use blog_services::analytics::{self, Analytics};
use blog_services::auth::AuthService;
use blog_services::cache::Cache;
use blog_services::dashboard::DashboardService;
use blog_services::external::ExternalApi;
use blog_services::health::HealthService;
use blog_services::monitoring::MonitoringService;
use blog_services::{PasswordHasher, PostService};

/// The settings the services take from configuration.
#[derive(Debug, Clone)]
pub struct StateSettings {
    /// How long an API token stays valid.
    pub token_ttl: Duration,
    /// The dashboard's external source.
    pub external_api_url: Option<String>,
    /// Whether anyone may read the monitoring endpoints.
    pub monitoring_public: bool,
    /// The hash that daily analytics are counted into.
    pub analytics_key: String,
}

impl Default for StateSettings {
    fn default() -> Self {
        StateSettings {
            token_ttl: Duration::from_secs(30 * 24 * 3600),
            external_api_url: None,
            monitoring_public: false,
            analytics_key: analytics::DEFAULT_KEY.into(),
        }
    }
}

/// Shared by all workers (cheap clones of pool handles and shared state).
#[derive(Debug, Clone)]
pub struct AppState {
    pub posts: PostService,
    pub auth: AuthService,
    pub health: HealthService,
    pub dashboard: DashboardService,
    pub monitoring: MonitoringService,
    pub analytics: Analytics,
    pub cache: Cache,
    pub monitoring_public: bool,
}

impl AppState {
    /// The services over the pool `db` and `cache`.
    pub fn new(db: DatabaseConnection, cache: Cache, settings: &StateSettings) -> Self {
        let analytics = Analytics::new(cache.clone(), settings.analytics_key.clone());
        let external = ExternalApi::new(settings.external_api_url.clone());
        AppState {
            posts: PostService::new(db.clone(), cache.clone(), analytics.clone()),
            auth: AuthService::new(db.clone(), PasswordHasher::default(), settings.token_ttl),
            health: HealthService::new(db.clone()),
            dashboard: DashboardService::new(
                db.clone(),
                cache.clone(),
                analytics.clone(),
                external,
            ),
            monitoring: MonitoringService::new(db, cache.clone()),
            analytics,
            cache,
            monitoring_public: settings.monitoring_public,
        }
    }
}
