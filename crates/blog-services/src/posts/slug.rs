//! A post's slug: its title made URL-safe, then its id (`how-to-cache-42`).
//! The id makes it unique (two posts may share a title) and lets a slug find
//! its post by key; the title part is for people, and is checked on reads so
//! that a mistyped slug is not found.

/// Words of the title kept in the slug at most.
const MAX_WORDS: usize = 8;

/// The slug of post `id` titled `title`: lowercase ASCII letters and digits
/// of the title, runs of anything else one `-`, then the id.
pub fn slug_for(title: &str, id: i32) -> String {
    let mut slug = String::with_capacity(title.len() + 12);
    let mut words = 0;
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
    {
        slug.push_str(&word.to_ascii_lowercase());
        slug.push('-');
        words += 1;
    }
    if words == 0 {
        slug.push_str("post-");
    }
    slug.push_str(&id.to_string());
    slug
}

/// The post id a slug ends with, if it ends with one.
pub fn id_of(slug: &str) -> Option<i32> {
    let (_, id) = slug.rsplit_once('-').unwrap_or(("", slug));
    id.parse().ok().filter(|id: &i32| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe_and_end_with_the_id() {
        assert_eq!(
            slug_for("Post 12: Fast  caches!", 12),
            "post-12-fast-caches-12"
        );
        assert_eq!(slug_for("Ünïcode — only", 3), "n-code-only-3");
        assert_eq!(slug_for("!!!", 7), "post-7");
        assert_eq!(id_of("post-12-fast-caches-12"), Some(12));
        assert_eq!(id_of("42"), Some(42));
        assert_eq!(id_of("no-id-here"), None);
        assert_eq!(id_of("zero-0"), None);
    }
}
