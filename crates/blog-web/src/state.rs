//! What every handler can reach: the services, built once at start from the
//! configuration (the composition root's second half; see [`crate::startup`]).

use blog_repositories::DbPool;
use blog_services::PasswordHasher;
use blog_services::PostService;
use blog_services::analytics::Analytics;
use blog_services::auth::AuthService;
use blog_services::cache::Cache;
use blog_services::dashboard::DashboardService;
use blog_services::external::ExternalApi;
use blog_services::health::HealthService;
use blog_services::monitoring::MonitoringService;
use blog_services::outbox::Outbox;
use blog_services::profiles::ProfileService;
use blog_services::redis::RedisPool;

use std::time::Duration;

use crate::admission::Admission;
use crate::config::Config;
use crate::readiness::Started;
use crate::request_metrics::MonitoringConfig;
use crate::server::ServerConfig;
use crate::startup::StartupError;

/// Shared by all workers (cheap clones of pool handles and shared state).
#[derive(Debug, Clone)]
pub struct AppState {
    /// Posts: reads, writes, likes, comments.
    pub posts: PostService,
    /// Logins, tokens and accounts.
    pub auth: AuthService,
    /// Profiles and follows (the RealWorld API).
    pub profiles: ProfileService,
    /// The health check.
    pub health: HealthService,
    /// The dashboard.
    pub dashboard: DashboardService,
    /// The monitoring figures.
    pub monitoring: MonitoringService,
    /// Page-view and new-post counts.
    pub analytics: Analytics,
    /// The cache (its statistics are part of the monitoring figures).
    pub cache: Cache,
    /// The invalidations writes recorded, applied by a background poller.
    pub outbox: Outbox,
    /// What the request monitor measures and who may read monitoring.
    pub monitoring_config: MonitoringConfig,
    /// Whether responses carry the debug headers (resolved from the configuration).
    pub debug_headers: bool,
    /// The server section: request limits and the trusted proxies.
    pub server: ServerConfig,
    /// What a 503 tells the client to wait: the pool's acquire timeout.
    pub retry_after: Duration,
    /// Whether start-up has finished (until then, 503).
    pub started: Started,
    /// How many requests may work at once (the rest wait, then 503).
    pub admission: Admission,
}

impl AppState {
    /// The services over the pool `db`, configured by `config`. Builds the
    /// Redis pool (without connecting) when `REDIS_URL` is set.
    pub fn new(db: DbPool, config: &Config) -> Result<Self, StartupError> {
        let redis = RedisPool::from_config(&config.redis).map_err(StartupError::Redis)?;
        let cache = Cache::new(&config.cache, redis.as_ref());
        let analytics = Analytics::new(&config.analytics, redis.as_ref());
        let external = ExternalApi::new(config.dashboard.external_api_url.clone());
        let outbox = Outbox::new(db.clone(), cache.clone());
        Ok(AppState {
            posts: PostService::new(
                db.clone(),
                cache.clone(),
                outbox.clone(),
                analytics.clone(),
                config.articles,
            ),
            auth: AuthService::new(
                db.clone(),
                cache.clone(),
                outbox.clone(),
                PasswordHasher::default(),
                &config.auth,
            ),
            profiles: ProfileService::new(db.clone(), outbox.clone()),
            health: HealthService::new(db.clone(), redis.clone()),
            dashboard: DashboardService::new(
                db.clone(),
                cache.clone(),
                analytics.clone(),
                external,
            ),
            monitoring: MonitoringService::new(db, cache.clone(), redis),
            analytics,
            cache,
            outbox,
            monitoring_config: config.monitoring.clone(),
            debug_headers: config.debug_headers(),
            server: config.server.clone(),
            retry_after: config.database.pool.acquire_timeout,
            started: Started::default(),
            admission: Admission::new(
                config.database.pool.max_connections,
                config.database.pool.acquire_timeout,
            ),
        })
    }
}
