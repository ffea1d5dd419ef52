//! Pins the shape of every value the cache stores to its `Cacheable::SCHEMA`:
//! changing a cached value's fields without bumping its version fails here, so
//! a deploy can never read an old entry as a new shape.

use chrono::{TimeZone, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::cache::Cacheable;
use crate::dashboard::UserStats;
use crate::pagination::Page;
use crate::posts::{CategoryRef, Comment, PostCard, PostDetail, PostListing, SearchResults};

/// The structure of `value`: field names and kinds, not contents.
fn shape(value: &Value) -> String {
    match value {
        Value::Object(fields) => {
            let mut parts: Vec<String> = fields
                .iter()
                .map(|(name, field)| format!("{name}:{}", shape(field)))
                .collect();
            parts.sort();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => format!("[{}]", items.first().map(shape).unwrap_or_default()),
        Value::String(_) => "s".into(),
        Value::Number(_) => "n".into(),
        Value::Bool(_) => "b".into(),
        Value::Null => "null".into(),
    }
}

/// FNV-1a of `value`'s shape: stable across Rust versions.
fn fingerprint<T: Serialize>(value: &T) -> u64 {
    let json = serde_json::to_value(value).expect("cached values serialize");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in shape(&json).bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn card() -> PostCard {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    PostCard {
        id: 1,
        title: "t".into(),
        author_id: 2,
        author: "a".into(),
        category_id: 3,
        category: "c".into(),
        tags: vec!["x".into()],
        comment_count: 1,
        like_count: 1,
        word_count: 1,
        read_time: 1,
        view_count: 1,
        created_at: at,
        comments: vec![Comment {
            id: 1,
            post_id: 1,
            author_id: 2,
            author: "a".into(),
            content: "c".into(),
            created_at: at,
        }],
    }
}

fn category() -> CategoryRef {
    CategoryRef {
        id: 1,
        name: "Django".into(),
        post_count: 3,
    }
}

/// `T`'s version and shape, for the table below.
fn pinned<T: Cacheable>(sample: &T) -> (u32, u64) {
    (T::SCHEMA, fingerprint(sample))
}

#[test]
fn every_cached_shape_is_pinned_to_its_version() {
    let listing = PostListing {
        posts: Page {
            items: vec![card()],
            page: 1,
            pages: 1,
            count: 1,
        },
        categories: vec![category()],
        category: Some(category()),
        tag: Some("x".into()),
    };
    let detail = PostDetail {
        card: card(),
        content: "c".into(),
    };
    let search = SearchResults {
        query: "q".into(),
        posts: vec![card()],
        page: 1,
        has_next: true,
    };
    let stats = UserStats {
        total_posts: 1,
        average_views: 1.5,
        active_days: 1,
    };
    let found = [
        ("PostListing", pinned(&listing)),
        ("PostDetail", pinned(&detail)),
        ("SearchResults", pinned(&search)),
        ("Vec<CategoryRef>", pinned(&vec![category()])),
        ("UserStats", pinned(&stats)),
        ("u64", pinned(&7_u64)),
    ];
    let recorded: [(&str, (u32, u64)); 6] = [
        ("PostListing", (2, 0x6287_1e0c_5c58_20c8)),
        ("PostDetail", (1, 0x3988_d808_7055_6ac0)),
        ("SearchResults", (1, 0x238c_ae05_0cf0_d231)),
        ("Vec<CategoryRef>", (2, 0x23c0_e595_8035_942e)),
        ("UserStats", (1, 0xfb2b_58b4_7154_1531)),
        ("u64", (1, 0xaf63_e34c_8601_f871)),
    ];
    assert_eq!(
        found, recorded,
        "a cached value's shape changed: bump its Cacheable::SCHEMA, then record the new \
         (version, fingerprint) here"
    );
}
