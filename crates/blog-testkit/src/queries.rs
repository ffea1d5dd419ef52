//! The statement-count assertion every query-count test uses.

use std::future::Future;

use blog_repositories::statement_counter::track_with_sql;

/// Runs `fut` and panics unless it executed exactly `expected` SQL statements,
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
