//! PostgreSQL's simple query protocol, for PgBouncer in transaction mode: each
//! statement is one `Query` message with its parameters written in as
//! literals, so no prepared statement (named or unnamed) outlives it and a
//! pooler may hand the server connection to another client afterwards.
//!
//! sqlx names every statement it prepares (`sqlx_s_N`) and, with its cache
//! off, never closes them; unnamed ones need two round trips on one server
//! connection. Behind a transaction pooler both break. sea-orm exposes no way
//! around that, so in this mode the repositories' statements go through here.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use sea_orm::sea_query::Value;
use sea_orm::sqlx::{self, Executor, PgConnection, Postgres};
use sea_orm::{DbErr, ExecResult, QueryResult, RuntimeErr, Statement};

use crate::statement_counter;

/// `stmt` as one SQL text, its `$N` placeholders replaced by literals.
pub(crate) fn inline(stmt: &Statement) -> Result<String, DbErr> {
    let values = stmt.values.as_ref().map(|v| v.0.as_slice()).unwrap_or(&[]);
    let sql = stmt.sql.as_str();
    let mut out = String::with_capacity(sql.len() + 16 * values.len());
    let mut chars = sql.char_indices().peekable();
    while let Some((_, ch)) = chars.next() {
        match ch {
            // Quoted text and identifiers are copied as they are.
            '\'' | '"' => {
                out.push(ch);
                for (_, c) in chars.by_ref() {
                    out.push(c);
                    if c == ch {
                        break;
                    }
                }
            }
            // A line comment is copied as it is (a quote in it opens nothing).
            '-' if chars.peek().is_some_and(|(_, c)| *c == '-') => {
                out.push(ch);
                for (_, c) in chars.by_ref() {
                    out.push(c);
                    if c == '\n' {
                        break;
                    }
                }
            }
            '$' if chars.peek().is_some_and(|(_, c)| c.is_ascii_digit()) => {
                let mut number = 0usize;
                while let Some((_, c)) = chars.peek().copied().filter(|(_, c)| c.is_ascii_digit()) {
                    number = number * 10 + c.to_digit(10).unwrap_or(0) as usize;
                    chars.next();
                }
                let value = number
                    .checked_sub(1)
                    .and_then(|i| values.get(i))
                    .ok_or_else(|| DbErr::Custom(format!("no value for placeholder ${number}")))?;
                literal(value, &mut out)?;
            }
            _ => out.push(ch),
        }
    }
    Ok(out)
}

/// Writes `value` as a PostgreSQL literal.
fn literal(value: &Value, out: &mut String) -> Result<(), DbErr> {
    let unsupported = || DbErr::Custom(format!("no literal form for {value:?}"));
    match value {
        Value::Bool(Some(b)) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        Value::TinyInt(Some(n)) => write_number(out, n),
        Value::SmallInt(Some(n)) => write_number(out, n),
        Value::Int(Some(n)) => write_number(out, n),
        Value::BigInt(Some(n)) => write_number(out, n),
        Value::TinyUnsigned(Some(n)) => write_number(out, n),
        Value::SmallUnsigned(Some(n)) => write_number(out, n),
        Value::Unsigned(Some(n)) => write_number(out, n),
        Value::BigUnsigned(Some(n)) => write_number(out, n),
        Value::Float(Some(f)) if f.is_finite() => write_number(out, f),
        Value::Double(Some(f)) if f.is_finite() => write_number(out, f),
        Value::String(Some(s)) => text(s, out)?,
        Value::Char(Some(c)) => text(&c.to_string(), out)?,
        Value::ChronoDateTimeUtc(Some(t)) => {
            text(&t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string(), out)?;
            out.push_str("::timestamptz");
        }
        Value::ChronoDateTimeWithTimeZone(Some(t)) => {
            text(&t.to_rfc3339(), out)?;
            out.push_str("::timestamptz");
        }
        Value::ChronoDateTime(Some(t)) => {
            text(&t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(), out)?;
            out.push_str("::timestamp");
        }
        Value::ChronoDate(Some(d)) => {
            text(&d.format("%Y-%m-%d").to_string(), out)?;
            out.push_str("::date");
        }
        Value::Bool(None)
        | Value::TinyInt(None)
        | Value::SmallInt(None)
        | Value::Int(None)
        | Value::BigInt(None)
        | Value::TinyUnsigned(None)
        | Value::SmallUnsigned(None)
        | Value::Unsigned(None)
        | Value::BigUnsigned(None)
        | Value::Float(None)
        | Value::Double(None)
        | Value::String(None)
        | Value::Char(None)
        | Value::ChronoDateTimeUtc(None)
        | Value::ChronoDateTime(None)
        | Value::ChronoDateTimeWithTimeZone(None)
        | Value::ChronoDate(None) => out.push_str("NULL"),
        _ => return Err(unsupported()),
    }
    Ok(())
}

fn write_number(out: &mut String, n: impl std::fmt::Display) {
    // Parenthesized, so a negative number after an operator stays one token.
    let _ = write!(out, "({n})");
}

/// An escape-string literal: `E'...'` with `\` and `'` escaped, which reads
/// the same whatever `standard_conforming_strings` says. PostgreSQL text
/// cannot hold NUL, so a NUL is refused (the services reject it first).
fn text(s: &str, out: &mut String) -> Result<(), DbErr> {
    if s.contains('\0') {
        // What sqlx says of a value it cannot encode: the client's value.
        let refused = sqlx::Error::Encode("a NUL character cannot be sent as text".into());
        return Err(DbErr::Query(RuntimeErr::SqlxError(refused.into())));
    }
    out.push_str("E'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(())
}

/// Counts and times a statement like the pool's metric callback does, under
/// its SQL with placeholders (so shapes group, and no value is logged); a
/// failure becomes the error sea-orm would have given.
async fn observed<T>(
    sql: &str,
    slow: Duration,
    run: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, DbErr> {
    let started = Instant::now();
    let result = run.await;
    statement_counter::observe(sql, started.elapsed(), result.is_err(), slow);
    result.map_err(|err| DbErr::Query(RuntimeErr::SqlxError(err.into())))
}

/// What every statement of the mode obeys: the slow-statement threshold for
/// the log, and the statement timeout, sent with each statement as
/// `SET LOCAL`: behind PgBouncer in transaction mode a per-connection setting
/// would outlive our turn on the server connection. A statement's `Query`
/// message is one implicit transaction, so the setting ends with it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Slower statements are logged.
    pub(super) slow: Duration,
    /// Slower statements are cancelled by the server.
    pub(super) statement_timeout: Duration,
}

impl Limits {
    /// `sql` preceded by the session settings and the statement timeout,
    /// for this transaction only (a pooler in transaction mode hands the
    /// server connection to others after it).
    fn bounded(&self, sql: &str) -> String {
        let ms = self.statement_timeout.as_millis();
        let local = crate::database::SESSION_SETTINGS.replacen("SET ", "SET LOCAL ", 1);
        format!("{local}; SET LOCAL statement_timeout = {ms}; {sql}")
    }
}

/// Runs `stmt` on `conn`, discarding rows.
pub(super) async fn execute(
    conn: &mut PgConnection,
    stmt: &Statement,
    limits: Limits,
) -> Result<ExecResult, DbErr> {
    let sql = limits.bounded(&inline(stmt)?);
    let run = conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.as_str())));
    let done = observed(&stmt.sql, limits.slow, run).await?;
    Ok(ExecResult::from(done))
}

/// Runs `stmt` on `conn`, keeping its rows.
pub(super) async fn fetch(
    conn: &mut PgConnection,
    stmt: &Statement,
    limits: Limits,
) -> Result<Vec<QueryResult>, DbErr> {
    let sql = limits.bounded(&inline(stmt)?);
    let run = conn.fetch_all(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.as_str())));
    let rows = observed(&stmt.sql, limits.slow, run).await?;
    Ok(rows.into_iter().map(QueryResult::from).collect())
}

/// `sql` as it is (no parameters), counted.
pub(super) async fn execute_text(
    conn: &mut PgConnection,
    sql: &str,
    limits: Limits,
) -> Result<ExecResult, DbErr> {
    let bounded = limits.bounded(sql);
    let run = conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(bounded.as_str())));
    let done = observed(sql, limits.slow, run).await?;
    Ok(ExecResult::from(done))
}

/// The transaction type of this mode.
pub(super) type Transaction = sqlx::Transaction<'static, Postgres>;

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DbBackend;

    fn stmt(sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
    }

    #[test]
    fn placeholders_become_literals() {
        let s = stmt(
            r#"SELECT "a" FROM "t" WHERE "b" = $1 AND "c" IN ($2, $3) AND d = '$1' LIMIT $4"#,
            vec![
                "it's \\ fine".into(),
                5i32.into(),
                (-3i64).into(),
                true.into(),
            ],
        );
        assert_eq!(
            inline(&s).unwrap(),
            r#"SELECT "a" FROM "t" WHERE "b" = E'it''s \\ fine' AND "c" IN ((5), (-3)) AND d = '$1' LIMIT TRUE"#
        );
        let none = stmt("SELECT $1", vec![Value::String(None)]);
        assert_eq!(inline(&none).unwrap(), "SELECT NULL");
        assert!(inline(&stmt("SELECT $2", vec![1i32.into()])).is_err());
        let commented = stmt("SELECT $1 -- it's $1\n, $1", vec![2i32.into()]);
        assert_eq!(inline(&commented).unwrap(), "SELECT (2) -- it's $1\n, (2)");
        assert!(inline(&stmt("SELECT $1", vec!["a\0b".into()])).is_err());
    }
}
