//! Per-request statement counting, fed by sea-orm's metric callback (installed
//! by [`crate::database::connect`]).
//!
//! The callback runs inline in the future that awaited the query, so a tokio
//! task-local scoped around a request sees exactly that request's statements,
//! never a neighbour's. Statements run inside `tokio::spawn` escape the scope:
//! use `join!`/`try_join!` within the request's task instead.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use futures::FutureExt;

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
    /// How many times each statement *shape* ran ([`shape`]): the N+1 detector
    /// looks for one shape repeated many times.
    pub shapes: HashMap<String, u32>,
}

impl QueryStats {
    /// The most repeated statement shape, if it ran more than `threshold` times:
    /// the signature of an N+1 (one query per row of a previous query).
    pub fn repeated_shape(&self, threshold: u32) -> Option<(&str, u32)> {
        self.shapes
            .iter()
            .filter(|(_, n)| **n > threshold)
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(shape, n)| (shape.as_str(), *n))
    }
}

/// A statement with its literals and parameters blanked and parameter lists
/// collapsed: `SELECT ... WHERE id = $1` and `... WHERE id = $7` have one shape,
/// and so do `IN ($1, $2)` and `IN ($1, $2, $3)`.
pub fn shape(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut prev = ' ';
    while let Some(ch) = chars.next() {
        match ch {
            '\'' => {
                // A string literal ('' is an escaped quote).
                while let Some(c) = chars.next() {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                out.push('?');
            }
            '$' if chars.peek().is_some_and(|c| c.is_ascii_digit()) => {
                while chars.peek().is_some_and(|c| c.is_ascii_digit()) {
                    chars.next();
                }
                out.push('?');
            }
            c if c.is_ascii_digit() && !(prev.is_alphanumeric() || prev == '_' || prev == '"') => {
                while chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                {
                    chars.next();
                }
                out.push('?');
            }
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
        prev = out.chars().last().unwrap_or(' ');
    }
    // Collapse parameter lists, whatever their length.
    let mut shape = out.trim().to_owned();
    for (long, short) in [("?, ?", "?"), ("?,?", "?"), ("(?), (?)", "(?)")] {
        while shape.contains(long) {
            shape = shape.replace(long, short);
        }
    }
    shape
}

/// Runs `fut`, counting the statements it executes.
pub fn track<F: Future>(fut: F) -> impl Future<Output = (F::Output, QueryStats)> {
    scoped(QueryStats::default(), fut)
}

/// Like [`track`], but also keeps the SQL text of every statement (tests list
/// them when a count is off; production never needs the text).
#[cfg(feature = "test-util")]
pub fn track_with_sql<F: Future>(fut: F) -> impl Future<Output = (F::Output, QueryStats)> {
    let stats = QueryStats {
        sql: Some(Vec::new()),
        ..QueryStats::default()
    };
    scoped(stats, fut)
}

/// `fut` in a scope starting from `initial`. A combinator, not an `async`
/// block: one of those keeps a copy of the future it awaits beside the future
/// itself, and the request's wrappers multiplied 0.5 KB into 15 KB, copied
/// at every step.
fn scoped<F: Future>(initial: QueryStats, fut: F) -> impl Future<Output = (F::Output, QueryStats)> {
    CURRENT.scope(
        RefCell::new(initial),
        fut.map(|output| (output, CURRENT.with(RefCell::take))),
    )
}

/// Counts one executed statement ([`record`]) and logs it as a warning when
/// it took longer than `slow`: what every statement the pool runs goes through.
pub(crate) fn observe(sql: &str, elapsed: Duration, failed: bool, slow: Duration) {
    record(sql, elapsed);
    if elapsed > slow {
        let sql: String = sql.chars().take(200).collect();
        tracing::warn!(
            elapsed_ms = elapsed.as_millis() as u64,
            failed,
            %sql,
            "slow SQL statement"
        );
    }
}

/// Adds one executed statement to the enclosing scope, if there is one.
fn record(sql: &str, elapsed: Duration) {
    let _ = CURRENT.try_with(|cell| {
        let mut stats = cell.borrow_mut();
        stats.statements += 1;
        stats.total_time += elapsed;
        *stats.shapes.entry(shape(sql)).or_insert(0) += 1;
        if let Some(list) = stats.sql.as_mut() {
            list.push(sql.to_owned());
        }
    });
    metrics::histogram!("db_statement_duration_seconds").record(elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_ignore_values_and_list_lengths() {
        assert_eq!(
            shape(r#"SELECT "users"."id" FROM "users" WHERE "users"."id" = $1 LIMIT $2"#),
            shape(r#"SELECT "users"."id" FROM "users" WHERE "users"."id" = $9 LIMIT $10"#),
        );
        assert_eq!(
            shape("SELECT * FROM t WHERE id IN ($1, $2, $3)"),
            shape("SELECT * FROM t WHERE id IN ($1, $2)"),
        );
        assert_eq!(
            shape("SELECT * FROM t WHERE id IN (?, ?, ?)"),
            "SELECT * FROM t WHERE id IN (?)"
        );
        assert_eq!(
            shape("SELECT * FROM t WHERE name = 'it''s' AND n = 42 AND x2 = 1.5"),
            "SELECT * FROM t WHERE name = ? AND n = ? AND x2 = ?"
        );
        assert_ne!(shape("SELECT a FROM t"), shape("SELECT b FROM t"));
    }

    #[test]
    fn the_most_repeated_shape_over_the_threshold_is_reported() {
        let mut stats = QueryStats::default();
        stats.shapes.insert("SELECT ? FROM a".into(), 3);
        stats.shapes.insert("SELECT ? FROM b".into(), 7);
        assert_eq!(stats.repeated_shape(5), Some(("SELECT ? FROM b", 7)));
        assert_eq!(stats.repeated_shape(7), None);
    }
}
