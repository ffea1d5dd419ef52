//! Everything over HTTP against a running server: pages, the JSON API, the
//! write path and the cache, on SQLite or PostgreSQL (`TEST_DATABASE_URL`) and
//! the in-process cache or Redis (`TEST_REDIS_URL`).

mod accounts;
mod cache;
mod caching;
mod common;
mod conduit;
mod conduit_contract;
mod counters;
mod dashboard;
mod database_faults;
mod hardening;
mod idempotency;
mod invalidation;
mod monitoring;
mod operations;
mod pages;
mod pgbouncer;
mod redis_faults;
mod write_path_faults;
mod writes;
