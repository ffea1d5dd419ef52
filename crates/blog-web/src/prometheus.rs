//! The Prometheus recorder: installed once per process, rendered by `/metrics`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Request durations, seconds: 1 ms to 10 s.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Statement durations, seconds: 0.1 ms to 1 s.
const STATEMENT_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.25, 1.0,
];
/// Statements per request.
const COUNT_BUCKETS: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 25.0, 50.0,
];

/// The process's recorder (installed on first call); `None` if another recorder
/// was installed first.
pub fn recorder() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    DURATION_BUCKETS,
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("db_statement_duration_seconds".into()),
                        STATEMENT_BUCKETS,
                    )
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("http_request_db_statements".into()),
                        COUNT_BUCKETS,
                    )
                });
            let handle = builder.and_then(|b| b.install_recorder());
            match handle {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(err) => {
                    tracing::error!(error = %err, "the Prometheus recorder could not be installed");
                    None
                }
            }
        })
        .clone()
}

/// Updates the `process_*` series (CPU seconds, resident and virtual memory,
/// open and maximum file descriptors, threads, start time) from `/proc`:
/// called before each render, so they are as fresh as the scrape.
pub fn collect_process_metrics() {
    static COLLECTOR: OnceLock<metrics_process::Collector> = OnceLock::new();
    COLLECTOR
        .get_or_init(|| {
            let collector = metrics_process::Collector::default();
            collector.describe();
            collector
        })
        .collect();
}

fn describe() {
    metrics::describe_counter!(
        "http_requests_total",
        "Requests by route pattern, method and status"
    );
    metrics::describe_histogram!(
        "http_request_duration_seconds",
        "Request duration by route pattern"
    );
    metrics::describe_histogram!(
        "http_request_db_statements",
        "SQL statements per request by route pattern"
    );
    metrics::describe_histogram!(
        "db_statement_duration_seconds",
        "Duration of each SQL statement"
    );
    metrics::describe_counter!("cache_hits_total", "Cache lookups that found a value");
    metrics::describe_counter!("cache_misses_total", "Cache lookups that did not");
    metrics::describe_counter!(
        "cache_errors_total",
        "Cache operations that failed or were skipped"
    );
    metrics::describe_counter!(
        "n_plus_one_total",
        "Requests in which one statement shape repeated past the threshold"
    );
    metrics::describe_gauge!("db_pool_connections", "Database pool connections by state");
    metrics::describe_gauge!(
        "db_pool_max_connections",
        "The most connections the pool opens"
    );
}
