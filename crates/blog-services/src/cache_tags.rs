//! The blog's cache tags: which cached values a kind of write makes stale.
//! Values carry the tags of what they show; writes bump the tags of what they
//! changed, plus one table tag per table their statements changed.

use blog_repositories::ChangedTables;

use crate::cache::Tag;

/// Every list of posts (list pages, search results).
pub(crate) fn posts() -> Tag {
    Tag::new("posts")
}

/// One post's detail.
pub(crate) fn post(id: i32) -> Tag {
    Tag::keyed("post", id)
}

/// What is derived from one user's posts (stats, dashboard).
pub(crate) fn user(id: i32) -> Tag {
    Tag::keyed("user", id)
}

/// The posts of one category.
pub(crate) fn category(id: i32) -> Tag {
    Tag::keyed("category", id)
}

/// The posts carrying one tag name.
pub(crate) fn tag_name(name: &str) -> Tag {
    Tag::keyed("tag", name)
}

/// What the RealWorld API shows of authors (bio, picture): every article.
pub(crate) fn profiles() -> Tag {
    Tag::new("profiles")
}

/// Which posts one user likes (the reader's `favorited`).
pub(crate) fn likes_of(user_id: i32) -> Tag {
    Tag::keyed("likes-of", user_id)
}

/// The posts a username likes (a list narrowed to them).
pub(crate) fn liked_by_name(username: &str) -> Tag {
    Tag::keyed("liked-by", username)
}

/// Whom one user follows (the reader's `following`, their feed).
pub(crate) fn follows_of(user_id: i32) -> Tag {
    Tag::keyed("follows-of", user_id)
}

/// `domain` plus the table tag of every table in `changed`, sorted, without
/// duplicates: what a committed write invalidates.
pub(crate) fn after_write(
    changed: &ChangedTables,
    domain: impl IntoIterator<Item = Tag>,
) -> Vec<Tag> {
    let mut tags: Vec<Tag> = domain.into_iter().collect();
    tags.extend(changed.names().map(Tag::table));
    tags.sort();
    tags.dedup();
    tags
}
