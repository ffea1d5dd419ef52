//! Cache keys and tags: canonical, readable strings, the same in every process
//! and after every restart (never a per-process hash), and injective: two
//! requests that can return different data never share a key. An argument is
//! `name=value` with the value percent-escaped (so it cannot contain `:`, `=`
//! or an escape of its own), and an absent one is the bare `name`, which no
//! value can produce.

use sha2::{Digest, Sha256};

/// The version of the key layout itself; a value's own shape has its version
/// in [`super::Cacheable::SCHEMA`].
pub const KEY_FORMAT: u32 = 1;

/// Keys longer than this are replaced by a SHA-256 digest of their arguments.
const MAX_READABLE: usize = 160;

/// A key: a namespace and named arguments, rendered as
/// `<prefix>:v1:<namespace>.s<schema>:<name>=<value>:...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    namespace: &'static str,
    args: Vec<(&'static str, Option<String>)>,
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
        debug_assert!(is_name(name), "argument names are [a-z_]+: {name}");
        self.args.push((name, Some(value.to_string())));
        self
    }

    /// Adds an optional argument; `None` is written as the bare name, which no
    /// value (always `name=...`) can be mistaken for.
    pub fn opt(mut self, name: &'static str, value: Option<impl ToString>) -> Self {
        debug_assert!(is_name(name), "argument names are [a-z_]+: {name}");
        self.args.push((name, value.map(|v| v.to_string())));
        self
    }

    /// The full key under `prefix`, for a value of shape version `schema`.
    pub fn render(&self, prefix: &str, schema: u32) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|(name, value)| match value {
                Some(value) => format!("{name}={}", escape(value)),
                None => (*name).to_owned(),
            })
            .collect();
        let args = args.join(":");
        let args = if args.len() > MAX_READABLE {
            format!("sha256={}", hex::encode(Sha256::digest(args.as_bytes())))
        } else {
            args
        };
        format!("{prefix}:v{KEY_FORMAT}:{}.s{schema}:{args}", self.namespace)
    }
}

/// A tag: names a set of cached values that one kind of write changes. The
/// cache knows only the global tag and table tags; the services name the rest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// Every cached value (the cache adds it to each one itself).
    pub fn all() -> Tag {
        Tag("all".into())
    }

    /// A tag with a fixed name (`posts`).
    pub fn new(name: &str) -> Tag {
        Tag(escape(name))
    }

    /// One thing of a kind (`post:7`, `tag:rust%20async`); the value is escaped.
    pub fn keyed(kind: &str, value: impl ToString) -> Tag {
        Tag(format!("{}:{}", escape(kind), escape(&value.to_string())))
    }

    /// Query results that read one table (the query-result cache).
    pub fn table(name: &str) -> Tag {
        Tag::keyed("table", name)
    }

    /// The tag as the outbox stores it (escaped: never holds a line break).
    pub fn as_stored(&self) -> &str {
        &self.0
    }

    /// A tag the outbox stored ([`Tag::as_stored`]).
    pub fn from_stored(stored: &str) -> Tag {
        Tag(stored.to_owned())
    }

    /// The key of the tag's version counter under `prefix`.
    pub fn render(&self, prefix: &str) -> String {
        format!("{prefix}:v{KEY_FORMAT}:tag:{}", self.0)
    }
}

/// True for an argument name: lowercase letters and underscores, and not the
/// digest's marker.
fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name != "sha256"
        && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// Percent-escapes the characters that structure a key.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        match ch {
            ':' | '=' | '%' | '@' => escape_char(ch, &mut out),
            c if c.is_whitespace() || c.is_control() => escape_char(c, &mut out),
            other => out.push(other),
        }
    }
    out
}

/// `%XX` for every byte of `ch`'s UTF-8.
fn escape_char(ch: char, out: &mut String) {
    let mut buf = [0u8; 4];
    for byte in ch.encode_utf8(&mut buf).bytes() {
        out.push_str(&format!("%{byte:02X}"));
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn keys_are_canonical_and_readable() {
        let key = CacheKey::new("list")
            .arg("page", 2)
            .opt("category", Some(3))
            .opt("tag", None::<String>);
        assert_eq!(
            key.render("blog", 4),
            "blog:v1:list.s4:page=2:category=3:tag"
        );
        // The same arguments give the same key, in any process.
        assert_eq!(key.render("blog", 4), key.clone().render("blog", 4));
        // Another shape of the value, another key.
        assert_ne!(key.render("blog", 4), key.render("blog", 5));
    }

    #[test]
    fn values_cannot_forge_structure() {
        let a = CacheKey::new("search").arg("q", "a:b=c").render("blog", 1);
        let b = CacheKey::new("search")
            .arg("q", "a")
            .arg("b", "c")
            .render("blog", 1);
        assert_ne!(a, b);
        assert_eq!(a, "blog:v1:search.s1:q=a%3Ab%3Dc");
        assert_eq!(
            Tag::keyed("tag", "rust async").render("blog"),
            "blog:v1:tag:tag:rust%20async"
        );
        assert_ne!(Tag::keyed("post", "1:2"), Tag::keyed("post:1", 2));
    }

    /// One argument of a generated key: any text (NUL, `-`, `:`, `=`, `%`,
    /// escapes, emptiness) or absent.
    fn value() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            Just(Some(String::new())),
            Just(Some("-".to_owned())),
            Just(Some("%2D".to_owned())),
            "[-:=%@ a-z0-9\\x00\\u{e9}]{0,12}".prop_map(Some),
            any::<String>().prop_map(Some),
        ]
    }

    fn key(args: &[(&'static str, Option<String>)]) -> String {
        let mut key = CacheKey::new("list");
        for (name, value) in args {
            key = key.opt(name, value.clone());
        }
        key.render("blog", 1)
    }

    proptest! {
        /// Two keys are equal exactly when their arguments are.
        #[test]
        fn keys_are_injective(a in prop::collection::vec(value(), 3), b in prop::collection::vec(value(), 3)) {
            let names = ["page", "category", "tag"];
            let a: Vec<_> = names.iter().copied().zip(a).collect();
            let b: Vec<_> = names.iter().copied().zip(b).collect();
            prop_assert_eq!(key(&a) == key(&b), a == b, "{:?} vs {:?}", key(&a), key(&b));
        }

        /// Tag names map to distinct tags, whatever they hold.
        #[test]
        fn tags_are_injective(a in any::<String>(), b in any::<String>()) {
            prop_assert_eq!(Tag::keyed("tag", &a) == Tag::keyed("tag", &b), a == b);
        }
    }

    #[test]
    fn an_absent_value_is_not_a_dash_or_empty() {
        let absent = key(&[("tag", None)]);
        assert_ne!(absent, key(&[("tag", Some("-".into()))]));
        assert_ne!(absent, key(&[("tag", Some(String::new()))]));
        assert_ne!(
            key(&[("tag", Some("%2D".into()))]),
            key(&[("tag", Some("-".into()))])
        );
    }

    #[test]
    fn long_keys_become_digests() {
        let long = "x".repeat(500);
        let key = CacheKey::new("search").arg("q", &long).render("blog", 1);
        assert!(key.starts_with("blog:v1:search.s1:sha256="));
        assert_eq!(key.len(), "blog:v1:search.s1:sha256=".len() + 64);
        assert_ne!(
            key,
            CacheKey::new("search")
                .arg("q", "y".repeat(500))
                .render("blog", 1)
        );
    }
}
