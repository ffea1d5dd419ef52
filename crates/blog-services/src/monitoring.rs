//! The service's health in figures: per-interval request samples (the live
//! charts), the database, pool, cache, Redis, system and process. System
//! figures are sampled in the background, never inside a request.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use blog_repositories::DbPool;
use blog_repositories::activity::{self, DatabaseActivity, PoolStats};
use chrono::{DateTime, Utc};
use sysinfo::{Disks, ProcessesToUpdate, System};

use crate::cache::{Cache, CacheBackend, CacheStatsSnapshot};
use crate::redis::RedisPool;

/// How many samples the history keeps (at 2 s, five minutes).
pub const HISTORY: usize = 150;

/// One interval of traffic, as the charts plot it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// End of the interval, Unix milliseconds.
    pub timestamp: i64,
    /// Requests finished in the interval, per second.
    pub requests_per_second: f64,
    /// Median request duration.
    pub p50_ms: f64,
    /// 99th-percentile request duration.
    pub p99_ms: f64,
    /// Mean SQL statements per request.
    pub statements_per_request: f64,
    /// Hits over lookups in the interval; `None` without lookups.
    pub cache_hit_ratio: Option<f64>,
    /// Pool connections in use at the interval's end.
    pub pool_in_use: u32,
    /// Pool connections open at the interval's end.
    pub pool_size: u32,
}

/// Machine figures from the last background sample.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemFigures {
    /// CPU use, all cores.
    pub cpu_percent: f64,
    /// Memory in use.
    pub memory_percent: f64,
    /// The root disk's use.
    pub disk_percent: f64,
}

/// This process.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessFigures {
    /// Resident memory at the last sample.
    pub resident_memory_bytes: u64,
    /// Since the service started.
    pub uptime_seconds: u64,
}

/// The cache's counters.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheFigures {
    /// The backend in use.
    pub backend: CacheBackend,
    /// Counters since start.
    pub stats: CacheStatsSnapshot,
}

/// What the monitoring endpoint shows of Redis (`INFO`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisInfo {
    /// Clients connected to Redis.
    pub connected_clients: i64,
    /// Redis's memory, as it prints it (`1.05M`).
    pub used_memory_human: String,
    /// Commands per second.
    pub instantaneous_ops_per_sec: i64,
}

/// Everything `GET /api/monitoring/` shows.
#[derive(Debug, Clone)]
pub struct MonitoringReport {
    /// When the report was made.
    pub timestamp: DateTime<Utc>,
    /// PostgreSQL's activity; `None` on SQLite or when it does not answer.
    pub database: Option<DatabaseActivity>,
    /// The connection pool now.
    pub pool: PoolStats,
    /// The cache's counters.
    pub cache: CacheFigures,
    /// `None` without Redis or when it does not answer.
    pub redis: Option<RedisInfo>,
    /// `None` until the first background sample.
    pub system: Option<SystemFigures>,
    /// This process.
    pub process: ProcessFigures,
    /// The last intervals, oldest first.
    pub history: Vec<Sample>,
}

/// The requests of the interval in progress.
#[derive(Debug, Default)]
struct Interval {
    durations_ms: Vec<f64>,
    statements: u64,
}

#[derive(Debug)]
struct State {
    interval: Interval,
    interval_started: Instant,
    last_cache: CacheStatsSnapshot,
    history: VecDeque<Sample>,
    system: Option<SystemFigures>,
    resident_memory: u64,
}

/// Collects and reports the figures; cheap to clone.
#[derive(Debug, Clone)]
pub struct MonitoringService {
    db: DbPool,
    cache: Cache,
    redis: Option<RedisPool>,
    started: Instant,
    state: Arc<Mutex<State>>,
}

impl MonitoringService {
    /// A service over the pool `db`, `cache`, and `redis` if there is one.
    pub fn new(db: DbPool, cache: Cache, redis: Option<RedisPool>) -> Self {
        let last_cache = cache.stats();
        MonitoringService {
            db,
            cache,
            redis,
            started: Instant::now(),
            state: Arc::new(Mutex::new(State {
                interval: Interval::default(),
                interval_started: Instant::now(),
                last_cache,
                history: VecDeque::with_capacity(HISTORY),
                system: None,
                resident_memory: 0,
            })),
        }
    }

    /// Counts one finished request (the request monitor calls this).
    pub fn record_request(&self, duration: Duration, statements: u32) {
        let mut state = self.lock();
        state
            .interval
            .durations_ms
            .push(duration.as_secs_f64() * 1000.0);
        state.interval.statements += u64::from(statements);
    }

    /// Closes the interval in progress into a [`Sample`] of the history. Its
    /// durations are sorted with the lock released: every request records
    /// into the state at its end, and would otherwise wait out the sort of
    /// an interval's durations (one a request) under the lock.
    fn roll(&self) {
        let pool = activity::pool_stats(&self.db);
        let cache = self.cache.stats();
        let (mut interval, elapsed, hits, lookups) = {
            let mut state = self.lock();
            let elapsed = state.interval_started.elapsed().as_secs_f64().max(0.001);
            let hits = cache.hits - state.last_cache.hits;
            let lookups = hits + cache.misses - state.last_cache.misses;
            state.interval_started = Instant::now();
            state.last_cache = cache;
            (std::mem::take(&mut state.interval), elapsed, hits, lookups)
        };
        interval.durations_ms.sort_by(f64::total_cmp);
        let requests = interval.durations_ms.len();
        let sample = Sample {
            timestamp: Utc::now().timestamp_millis(),
            requests_per_second: requests as f64 / elapsed,
            p50_ms: percentile(&interval.durations_ms, 0.50),
            p99_ms: percentile(&interval.durations_ms, 0.99),
            statements_per_request: if requests == 0 {
                0.0
            } else {
                interval.statements as f64 / requests as f64
            },
            cache_hit_ratio: (lookups > 0).then(|| hits as f64 / lookups as f64),
            pool_in_use: pool.in_use,
            pool_size: pool.size,
        };
        let mut state = self.lock();
        if state.history.len() == HISTORY {
            state.history.pop_front();
        }
        state.history.push_back(sample);
    }

    /// Every `interval`: closes a sample and samples the machine. Runs until the
    /// task is aborted or the runtime stops.
    pub fn spawn_sampler(&self, interval: Duration) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            let mut system = System::new().ok();
            let pid = sysinfo::get_current_pid().ok();
            let mut ticker = tokio::time::interval(interval);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                service.roll();
                if let Some(system) = system.as_mut() {
                    let figures = sample_system(system, pid);
                    let mut state = service.lock();
                    state.system = Some(figures.0);
                    state.resident_memory = figures.1;
                }
            }
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("the monitoring lock is never poisoned")
    }

    /// Redis's `INFO` figures; `None` without Redis or when it does not answer.
    async fn redis_info(&self) -> Option<RedisInfo> {
        let text = self.redis.as_ref()?.info().await.ok()?;
        let field = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        Some(RedisInfo {
            connected_clients: field("connected_clients").parse().unwrap_or(0),
            used_memory_human: field("used_memory_human"),
            instantaneous_ops_per_sec: field("instantaneous_ops_per_sec").parse().unwrap_or(0),
        })
    }

    /// Everything `/api/monitoring/` shows: 1 statement on PostgreSQL, none on
    /// SQLite. A database that does not answer shows as null: the rest is still
    /// worth seeing, most of all then.
    pub async fn report(&self) -> MonitoringReport {
        let (database, redis) =
            tokio::join!(activity::server_activity(&self.db), self.redis_info());
        let database = database.unwrap_or_else(|err| {
            tracing::warn!(error = %crate::error::chain(&err), "database figures unavailable");
            None
        });
        let state = self.lock();
        MonitoringReport {
            timestamp: Utc::now(),
            database,
            pool: activity::pool_stats(&self.db),
            cache: CacheFigures {
                backend: self.cache.backend(),
                stats: self.cache.stats(),
            },
            redis,
            system: state.system.clone(),
            process: ProcessFigures {
                resident_memory_bytes: state.resident_memory,
                uptime_seconds: self.started.elapsed().as_secs(),
            },
            history: state.history.iter().cloned().collect(),
        }
    }

    /// The pool right now (for the Prometheus gauges).
    pub fn pool(&self) -> PoolStats {
        activity::pool_stats(&self.db)
    }
}

/// The value below which `q` of the sorted `values` lie (nearest rank).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// CPU, memory and root-disk use, and this process's resident memory.
fn sample_system(system: &mut System, pid: Option<sysinfo::Pid>) -> (SystemFigures, u64) {
    system.refresh_cpu_usage();
    system.refresh_memory();
    let resident = match pid {
        Some(pid) => {
            system.refresh_processes(ProcessesToUpdate::Some(&[pid]), false);
            system.process(pid).map(|p| p.memory()).unwrap_or(0)
        }
        None => 0,
    };
    let disk_percent = Disks::new_with_refreshed_list()
        .ok()
        .and_then(|disks| {
            disks
                .iter()
                .filter(|d| d.mount_point() == std::path::Path::new("/"))
                .map(|d| {
                    let total = d.total_space().max(1) as f64;
                    100.0 * (total - d.available_space() as f64) / total
                })
                .next()
        })
        .unwrap_or(0.0);
    let total_memory = system.total_memory().max(1) as f64;
    (
        SystemFigures {
            cpu_percent: f64::from(system.global_cpu_usage()),
            memory_percent: 100.0 * system.used_memory() as f64 / total_memory,
            disk_percent,
        },
        resident,
    )
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 0.50), 50.0);
        assert_eq!(percentile(&values, 0.99), 99.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
