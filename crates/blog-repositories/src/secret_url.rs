//! Connection URLs carry passwords (`postgres://user:password@host/db`): this
//! type keeps one, and never shows the password in `Debug`, `Display`, a log
//! line or an error message.

use std::fmt;

/// What a password is shown as.
const MASK: &str = "***";

/// A URL whose password is hidden wherever it is printed; [`SecretUrl::expose`]
/// gives the real text to the driver that connects with it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    /// Keeps `url` (trimmed).
    pub fn new(url: impl Into<String>) -> Self {
        SecretUrl(url.into().trim().to_owned())
    }

    /// The URL with its password: only for the client that connects.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// True when the URL starts with one of `schemes` (`postgres://`, ...).
    pub fn has_scheme(&self, schemes: &[&str]) -> bool {
        schemes.iter().any(|s| self.0.starts_with(s))
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SecretUrl").field(&self.redacted()).finish()
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// `text` with the password of its user-info replaced; text that is not a URL
/// loses everything before its last `@`, where a password could hide.
pub fn redact(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) => {
            let mut changed = url.password().is_some() && url.set_password(Some(MASK)).is_ok();
            // `?password=...` works too (sqlx reads it); so do its spellings.
            let secret_query = url.query_pairs().any(|(key, _)| is_secret_parameter(&key));
            if secret_query {
                let pairs: Vec<(String, String)> = url
                    .query_pairs()
                    .map(|(key, value)| {
                        let value = if is_secret_parameter(&key) {
                            MASK.to_owned()
                        } else {
                            value.into_owned()
                        };
                        (key.into_owned(), value)
                    })
                    .collect();
                url.query_pairs_mut().clear().extend_pairs(pairs);
                changed = true;
            }
            if changed {
                url.to_string()
            } else {
                text.to_owned()
            }
        }
        Err(_) => match text.rfind('@') {
            Some(at) => format!("{MASK}{}", &text[at..]),
            None => text.to_owned(),
        },
    }
}

/// Query parameters that carry a credential.
fn is_secret_parameter(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "pass", "pwd", "secret", "token", "key"]
        .iter()
        .any(|word| key.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let url = SecretUrl::new("postgres://blog:s3cret@db.internal:5432/blog");
        assert_eq!(url.to_string(), "postgres://blog:***@db.internal:5432/blog");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(url.expose(), "postgres://blog:s3cret@db.internal:5432/blog");
        assert_eq!(
            SecretUrl::new("redis://:hunter2@127.0.0.1:6379/0").to_string(),
            "redis://:***@127.0.0.1:6379/0"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("sqlite://blog.sqlite3?mode=rwc"),
            "sqlite://blog.sqlite3?mode=rwc"
        );
        assert_eq!(redact("not a url:pw@host"), "***@host");
        let query = redact("postgres://u@h/db?sslmode=require&password=q-s3cret");
        assert!(!query.contains("q-s3cret"), "{query}");
        assert!(query.contains("sslmode=require"), "{query}");
    }
}
