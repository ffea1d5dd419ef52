//! Per-request statement counting, fed by sea-orm's metric callback.
//!
//! The callback runs inline in the future that awaited the query, so a tokio
//! task-local scoped around a request sees exactly that request's statements,
//! never a neighbour's. Statements run inside `tokio::spawn` escape the scope:
//! use `join!`/`try_join!` within the request's task instead.

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

tokio::task_local! {
    static CURRENT: RefCell<QueryStats>;
}

/// The statements run inside one [`track`] scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryStats {
    /// How many statements ran (BEGIN/COMMIT are not reported by the driver).
    pub statements: u32,
    /// Their summed execution time.
    pub total_time: Duration,
    /// The SQL of each statement, kept only when the scope asked for it
    /// (assertions print them on failure).
    pub sql: Option<Vec<String>>,
}

/// Runs `fut`, counting the statements it executes.
pub async fn track<F: Future>(fut: F) -> (F::Output, QueryStats) {
    scoped(QueryStats::default(), fut).await
}

/// Like [`track`], but also keeps the SQL text of every statement.
pub async fn track_with_sql<F: Future>(fut: F) -> (F::Output, QueryStats) {
    let stats = QueryStats {
        sql: Some(Vec::new()),
        ..QueryStats::default()
    };
    scoped(stats, fut).await
}

async fn scoped<F: Future>(initial: QueryStats, fut: F) -> (F::Output, QueryStats) {
    CURRENT
        .scope(RefCell::new(initial), async move {
            let output = fut.await;
            let stats = CURRENT.with(|cell| cell.borrow().clone());
            (output, stats)
        })
        .await
}

/// Adds one executed statement to the enclosing scope, if there is one.
pub(crate) fn record(sql: &str, elapsed: Duration) {
    let _ = CURRENT.try_with(|cell| {
        let mut stats = cell.borrow_mut();
        stats.statements += 1;
        stats.total_time += elapsed;
        if let Some(list) = stats.sql.as_mut() {
            list.push(sql.to_owned());
        }
    });
}

/// Runs `fut` and panics unless it executed exactly `expected` statements,
/// listing them: the project's `assertNumQueries`.
pub async fn assert_num_queries<F: Future>(expected: u32, fut: F) -> F::Output {
    let (output, stats) = track_with_sql(fut).await;
    if stats.statements != expected {
        let listing = stats
            .sql
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, sql)| format!("  {}. {sql}", i + 1))
            .collect::<Vec<_>>()
            .join("\n");
        panic!(
            "expected {expected} SQL statements, {} ran:\n{listing}",
            stats.statements
        );
    }
    output
}
