//! Whether the service can do its job: liveness needs nothing; readiness
//! needs the database reachable with every migration applied, and reports
//! Redis without requiring it (the cache fails open).

use blog_repositories::{DbPool, database};

use crate::ServiceError;
use crate::redis::RedisPool;

/// Backs `/health/ready/` (and `/health/`).
#[derive(Debug, Clone)]
pub struct HealthService {
    db: DbPool,
    redis: Option<RedisPool>,
}

/// What a readiness check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// Migrations this build has that the database lacks (ready when empty).
    pub pending_migrations: Vec<String>,
    /// Redis's state, when there is one.
    pub redis: RedisHealth,
}

/// Redis as the readiness check saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisHealth {
    /// No `REDIS_URL`.
    NotConfigured,
    /// It answered a `PING`.
    Up,
    /// It did not: the cache and the counters degrade, pages still answer.
    Down,
}

impl Readiness {
    /// True when the instance should receive traffic.
    pub fn ready(&self) -> bool {
        self.pending_migrations.is_empty()
    }
}

impl HealthService {
    /// Checks the pool `db`, and `redis` if there is one.
    pub fn new(db: DbPool, redis: Option<RedisPool>) -> Self {
        HealthService { db, redis }
    }

    /// One statement (the applied migrations, which also proves the database
    /// answers) and a Redis `PING`, side by side. `Unavailable` when the
    /// database does not answer in time.
    pub async fn readiness(&self) -> Result<Readiness, ServiceError> {
        let redis = async {
            match &self.redis {
                None => RedisHealth::NotConfigured,
                Some(pool) => match pool.ping().await {
                    Ok(()) => RedisHealth::Up,
                    Err(_) => RedisHealth::Down,
                },
            }
        };
        let (pending, redis) = tokio::join!(database::pending_migrations(&self.db), redis);
        Ok(Readiness {
            pending_migrations: pending.map_err(ServiceError::Unavailable)?,
            redis,
        })
    }
}
