//! The monitoring figures on the wire (`GET /api/monitoring/`, the live
//! charts' source).

use blog_repositories::activity::{DatabaseActivity, PoolStats};
use blog_services::monitoring::{
    CacheFigures, MonitoringReport, ProcessFigures, RedisInfo, Sample, SystemFigures,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Everything the monitoring endpoint shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = MonitoringReport)]
pub struct MonitoringBody {
    /// When the report was made.
    pub timestamp: DateTime<Utc>,
    /// PostgreSQL's activity; null on SQLite.
    pub database: Option<DatabaseBody>,
    /// The connection pool.
    pub pool: PoolBody,
    /// The cache's counters.
    pub cache: CacheBody,
    /// Null without Redis or when it does not answer.
    pub redis: Option<RedisBody>,
    /// Null until the first background sample.
    pub system: Option<SystemBody>,
    /// This process.
    pub process: ProcessBody,
    /// The last intervals, oldest first.
    pub history: Vec<SampleBody>,
}

/// Server-side activity (PostgreSQL only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = DatabaseActivity)]
pub struct DatabaseBody {
    /// Backends running a statement in this database now.
    pub active_connections: i64,
    /// Commits and rollbacks since the statistics reset.
    pub total_transactions: i64,
}

/// The connection pool right now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PoolStats)]
pub struct PoolBody {
    /// Open connections.
    pub size: u32,
    /// Open connections no request holds.
    pub idle: u32,
    /// Open connections a request holds.
    pub in_use: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// The cache's counters since start.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CacheFigures)]
pub struct CacheBody {
    /// `redis`, `memory` or `off`.
    pub backend: &'static str,
    /// Lookups that found a value.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
    /// Operations that failed or were skipped.
    pub errors: u64,
    /// Hits over lookups.
    pub hit_ratio: f64,
}

/// Redis's own figures (`INFO`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = RedisInfo)]
pub struct RedisBody {
    /// Clients connected to Redis.
    pub connected_clients: i64,
    /// Redis's memory, as it prints it.
    pub used_memory_human: String,
    /// Commands per second.
    pub instantaneous_ops_per_sec: i64,
}

/// Machine figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SystemFigures)]
pub struct SystemBody {
    /// CPU use, all cores.
    pub cpu_percent: f64,
    /// Memory in use.
    pub memory_percent: f64,
    /// The root disk's use.
    pub disk_percent: f64,
}

/// This process.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ProcessFigures)]
pub struct ProcessBody {
    /// Resident memory.
    pub resident_memory_bytes: u64,
    /// Since start.
    pub uptime_seconds: u64,
}

/// One interval of traffic.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Sample)]
pub struct SampleBody {
    /// End of the interval, Unix milliseconds.
    pub timestamp: i64,
    /// Requests per second.
    pub requests_per_second: f64,
    /// Median duration.
    pub p50_ms: f64,
    /// 99th-percentile duration.
    pub p99_ms: f64,
    /// Mean SQL statements per request.
    pub statements_per_request: f64,
    /// Hits over lookups; null without lookups.
    pub cache_hit_ratio: Option<f64>,
    /// Pool connections in use.
    pub pool_in_use: u32,
    /// Pool connections open.
    pub pool_size: u32,
}

impl From<MonitoringReport> for MonitoringBody {
    fn from(report: MonitoringReport) -> Self {
        MonitoringBody {
            timestamp: report.timestamp,
            database: report.database.map(DatabaseBody::from),
            pool: report.pool.into(),
            cache: report.cache.into(),
            redis: report.redis.map(RedisBody::from),
            system: report.system.map(SystemBody::from),
            process: report.process.into(),
            history: report.history.into_iter().map(SampleBody::from).collect(),
        }
    }
}

impl From<DatabaseActivity> for DatabaseBody {
    fn from(activity: DatabaseActivity) -> Self {
        DatabaseBody {
            active_connections: activity.active_connections,
            total_transactions: activity.total_transactions,
        }
    }
}

impl From<PoolStats> for PoolBody {
    fn from(pool: PoolStats) -> Self {
        PoolBody {
            size: pool.size,
            idle: pool.idle,
            in_use: pool.in_use,
            max: pool.max,
        }
    }
}

impl From<CacheFigures> for CacheBody {
    fn from(cache: CacheFigures) -> Self {
        CacheBody {
            backend: cache.backend.name(),
            hits: cache.stats.hits,
            misses: cache.stats.misses,
            errors: cache.stats.errors,
            hit_ratio: cache.stats.hit_ratio(),
        }
    }
}

impl From<RedisInfo> for RedisBody {
    fn from(info: RedisInfo) -> Self {
        RedisBody {
            connected_clients: info.connected_clients,
            used_memory_human: info.used_memory_human,
            instantaneous_ops_per_sec: info.instantaneous_ops_per_sec,
        }
    }
}

impl From<SystemFigures> for SystemBody {
    fn from(system: SystemFigures) -> Self {
        SystemBody {
            cpu_percent: system.cpu_percent,
            memory_percent: system.memory_percent,
            disk_percent: system.disk_percent,
        }
    }
}

impl From<ProcessFigures> for ProcessBody {
    fn from(process: ProcessFigures) -> Self {
        ProcessBody {
            resident_memory_bytes: process.resident_memory_bytes,
            uptime_seconds: process.uptime_seconds,
        }
    }
}

impl From<Sample> for SampleBody {
    fn from(sample: Sample) -> Self {
        SampleBody {
            timestamp: sample.timestamp,
            requests_per_second: sample.requests_per_second,
            p50_ms: sample.p50_ms,
            p99_ms: sample.p99_ms,
            statements_per_request: sample.statements_per_request,
            cache_hit_ratio: sample.cache_hit_ratio,
            pool_in_use: sample.pool_in_use,
            pool_size: sample.pool_size,
        }
    }
}
