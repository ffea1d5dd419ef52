//! Cache keys and tags: canonical, readable strings, the same in every process
//! and after every restart (never a per-process hash).

use sha2::{Digest, Sha256};

/// Bump when the shape of a cached value changes: old entries become unreachable.
pub const SCHEMA_VERSION: u32 = 1;

/// Keys longer than this are replaced by a SHA-256 digest of their arguments.
const MAX_READABLE: usize = 160;

/// A key: a namespace and named arguments, rendered as
/// `<prefix>:v1:<namespace>:<name>=<value>:...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    namespace: &'static str,
    args: Vec<(&'static str, String)>,
}

impl CacheKey {
    /// A key in `namespace` (`list`, `post`, `search`, ...).
    pub fn new(namespace: &'static str) -> Self {
        CacheKey {
            namespace,
            args: Vec::new(),
        }
    }

    /// Adds an argument; its value is escaped, so any text is safe.
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    /// Adds an optional argument; `None` is written as `-`.
    pub fn opt(self, name: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.arg(name, v),
            None => self.arg(name, "-"),
        }
    }

    /// The full key under `prefix`.
    pub fn render(&self, prefix: &str) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|(name, value)| format!("{name}={}", escape(value)))
            .collect();
        let args = args.join(":");
        let args = if args.len() > MAX_READABLE {
            format!("sha256={}", hex::encode(Sha256::digest(args.as_bytes())))
        } else {
            args
        };
        format!("{prefix}:v{SCHEMA_VERSION}:{}:{args}", self.namespace)
    }
}

/// A tag: names a set of cached values that one kind of write changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// Every cached value (the cache adds it to each one itself).
    pub fn all() -> Tag {
        Tag("all".into())
    }

    /// Every list of posts (list pages, search results).
    pub fn posts() -> Tag {
        Tag("posts".into())
    }

    /// One post's detail.
    pub fn post(id: i32) -> Tag {
        Tag(format!("post:{id}"))
    }

    /// What is derived from one user's posts (stats, dashboard).
    pub fn user(id: i32) -> Tag {
        Tag(format!("user:{id}"))
    }

    /// The posts of one category.
    pub fn category(id: i32) -> Tag {
        Tag(format!("category:{id}"))
    }

    /// The posts carrying one tag name.
    pub fn tag_name(name: &str) -> Tag {
        Tag(format!("tag:{}", escape(name)))
    }

    /// Query results that read one table (the query-result cache).
    pub fn table(name: &str) -> Tag {
        Tag(format!("table:{name}"))
    }

    /// The tag's name (`post:7`).
    pub fn name(&self) -> &str {
        &self.0
    }

    /// The key of the tag's version counter under `prefix`.
    pub fn render(&self, prefix: &str) -> String {
        format!("{prefix}:v{SCHEMA_VERSION}:tag:{}", self.0)
    }
}

/// Percent-escapes the characters that structure a key.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        match ch {
            ':' | '=' | '%' | '@' | ' ' | '\n' | '\r' | '\t' => {
                let mut buf = [0u8; 4];
                for byte in ch.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_canonical_and_readable() {
        let key = CacheKey::new("list")
            .arg("page", 2)
            .opt("category", Some(3))
            .opt("tag", None::<String>);
        assert_eq!(key.render("blog"), "blog:v1:list:page=2:category=3:tag=-");
        // The same arguments give the same key, in any process.
        assert_eq!(key.render("blog"), key.clone().render("blog"));
    }

    #[test]
    fn values_cannot_forge_structure() {
        let a = CacheKey::new("search").arg("q", "a:b=c").render("blog");
        let b = CacheKey::new("search")
            .arg("q", "a")
            .arg("b", "c")
            .render("blog");
        assert_ne!(a, b);
        assert_eq!(a, "blog:v1:search:q=a%3Ab%3Dc");
        assert_eq!(
            Tag::tag_name("rust async").render("blog"),
            "blog:v1:tag:tag:rust%20async"
        );
    }

    #[test]
    fn long_keys_become_digests() {
        let long = "x".repeat(500);
        let key = CacheKey::new("search").arg("q", &long).render("blog");
        assert!(key.starts_with("blog:v1:search:sha256="));
        assert_eq!(key.len(), "blog:v1:search:sha256=".len() + 64);
        assert_ne!(
            key,
            CacheKey::new("search")
                .arg("q", "y".repeat(500))
                .render("blog")
        );
    }
}
