//! The JSON contract: every request and response body of the API, with its
//! OpenAPI schema, converted from and into the services' values. Changing a
//! field here changes the API; changing a service value does not, until a
//! conversion here says so.

pub mod auth;
pub mod dashboard;
pub mod monitoring;
pub mod posts;

use serde::Serialize;

/// The liveness check's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthBody {
    /// Always `ok` on a 200.
    pub status: &'static str,
}

/// The readiness check's answer on a 200 (a 503 is an [`crate::error::ErrorBody`]).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadinessBody {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// `ok`, `down` (the cache and counters degrade; pages still answer) or
    /// `not configured`.
    #[schema(example = "ok")]
    pub redis: &'static str,
}

impl ReadinessBody {
    /// The body of a ready instance whose Redis is as `redis` says.
    pub fn ready(redis: blog_services::health::RedisHealth) -> Self {
        use blog_services::health::RedisHealth;
        ReadinessBody {
            status: "ok",
            redis: match redis {
                RedisHealth::Up => "ok",
                RedisHealth::Down => "down",
                RedisHealth::NotConfigured => "not configured",
            },
        }
    }
}

/// What Rust's `trim` removes (`char::is_whitespace`), as the body of a regex
/// character class: the service trims text before it checks its length.
pub const WHITESPACE: &str = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// The schema of a text the service trims, then wants 1 to `max_chars`
/// characters of (or none, if `blank_allowed`): whitespace around a core that
/// starts and ends with something else, and no NUL anywhere (PostgreSQL
/// refuses it in text). A length limit alone would be wrong both ways.
pub fn trimmed_text(
    max_chars: usize,
    blank_allowed: bool,
    description: &str,
) -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let ws = WHITESPACE;
    let inner = max_chars.saturating_sub(2);
    let core = format!(r"[^\u0000{ws}](?:[^\u0000]{{0,{inner}}}[^\u0000{ws}])?");
    let (core, min_length) = if blank_allowed {
        (format!("(?:{core})?"), 0)
    } else {
        (core, 1)
    };
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(min_length))
        .pattern(Some(format!("^[{ws}]*{core}[{ws}]*$")))
        .description(Some(description))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The characters a regex class body of `\t`, `\r`, literals, `\uXXXX`
    /// escapes and `a-b` ranges stands for.
    fn class_chars(class: &str) -> Vec<char> {
        let mut singles = Vec::new();
        let mut rest = class;
        while !rest.is_empty() {
            let (c, tail) = match rest.strip_prefix('\\') {
                Some(escaped) if escaped.starts_with('t') => ('\t', &escaped[1..]),
                Some(escaped) if escaped.starts_with('r') => ('\r', &escaped[1..]),
                Some(escaped) => {
                    let hex = escaped
                        .strip_prefix('u')
                        .expect("only \\t, \\r and \\u escapes");
                    let code = u32::from_str_radix(&hex[..4], 16).expect("four hex digits");
                    (char::from_u32(code).expect("a character"), &hex[4..])
                }
                None => {
                    let c = rest.chars().next().expect("not empty");
                    (c, &rest[c.len_utf8()..])
                }
            };
            singles.push(c);
            rest = tail;
        }
        let mut chars = Vec::new();
        let mut i = 0;
        while i < singles.len() {
            if i + 2 < singles.len() && singles[i + 1] == '-' {
                chars.extend(singles[i]..=singles[i + 2]);
                i += 3;
            } else {
                chars.push(singles[i]);
                i += 1;
            }
        }
        chars
    }

    #[test]
    fn the_whitespace_class_is_what_trim_removes() {
        let trimmed: Vec<char> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        let mut class = class_chars(WHITESPACE);
        class.sort_unstable();
        assert_eq!(class, trimmed);
    }

    #[test]
    fn a_trimmed_text_pattern_bounds_the_core() {
        let pattern = |max, blank| trimmed_text(max, blank, "").pattern.expect("a pattern");
        assert_eq!(
            pattern(200, false),
            format!(
                r"^[{WHITESPACE}]*[^\u0000{WHITESPACE}](?:[^\u0000]{{0,198}}[^\u0000{WHITESPACE}])?[{WHITESPACE}]*$"
            )
        );
        assert!(pattern(50, true).contains("]{0,48}[^"));
        assert!(pattern(50, true).contains(&format!("*(?:[^\\u0000{WHITESPACE}]")));
    }
}
