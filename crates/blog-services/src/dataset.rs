//! The benchmark dataset of `shared/spec/dataset.md`, generated deterministically
//! (a seeded PRNG, seed 42) and loaded in batches.

use std::time::{Duration, Instant};

use blog_entities::{category, comment, like, post, post_tag, tag, user};
use blog_repositories::DatabaseConnection;
use blog_repositories::bulk::{self, Dataset};
use chrono::{DateTime, TimeDelta, Utc};

use crate::{PasswordHasher, ServiceError};

/// The PRNG seed of the spec: the same post count gives the same rows.
pub const SEED: u64 = 42;

/// Posts in the benchmark dataset when no size is given.
pub const DEFAULT_POSTS: usize = 2_000;

/// Posts in the demo dataset the embedded default fills an empty database with.
pub const DEMO_POSTS: usize = 200;

/// The five categories, ids 1..5 in this order.
pub const CATEGORIES: [&str; 5] = ["Django", "Rust", "Databases", "DevOps", "Frontend"];

const USERS: i32 = 100;
const TAGS: i32 = 50;
const TAGS_PER_POST: usize = 3;
const MAX_COMMENTS_PER_POST: u64 = 20;
const MAX_LIKES_PER_POST: u64 = 30;
/// Out of 100, how many comments are approved.
const APPROVED_PERCENT: u64 = 80;

/// The words posts are written in. `django`, `performance`, `optimization` and
/// `async` are among them, so they appear in most posts.
const VOCABULARY: &[&str] = &[
    "django",
    "performance",
    "optimization",
    "async",
    "rust",
    "database",
    "query",
    "cache",
    "index",
    "server",
    "request",
    "response",
    "latency",
    "throughput",
    "thread",
    "memory",
    "pool",
    "connection",
    "transaction",
    "schema",
    "migration",
    "template",
    "view",
    "model",
    "deploy",
    "container",
    "proxy",
    "benchmark",
    "profile",
    "compile",
    "runtime",
    "future",
    "stream",
    "buffer",
    "socket",
    "network",
    "storage",
    "replica",
    "shard",
    "search",
    "token",
    "session",
    "worker",
    "queue",
    "event",
    "metric",
    "trace",
    "log",
    "error",
    "test",
    "build",
    "release",
    "feature",
    "design",
    "pattern",
    "layer",
    "service",
    "client",
    "frontend",
    "backend",
    "the",
    "a",
    "and",
    "of",
    "to",
    "with",
    "for",
    "in",
    "on",
    "fast",
    "slow",
    "simple",
    "robust",
    "modern",
    "scalable",
    "reliable",
    "efficient",
    "small",
    "large",
];

/// Syllables of the rare words: 8^3 = 512 made-up words, each in a few dozen
/// posts of a 20,000-post dataset (the "rare word" of search benchmarks).
const SYLLABLES: [&str; 8] = ["ka", "lo", "mi", "ru", "ze", "ta", "vo", "ni"];
/// Out of 1,000 words of content, how many are rare words.
const RARE_PER_MILLE: u64 = 2;

/// How big a dataset to make.
#[derive(Debug, Clone)]
pub struct DatasetSpec {
    pub posts: usize,
    /// Creation dates end here and start 365 days before.
    pub now: DateTime<Utc>,
}

impl DatasetSpec {
    /// `posts` posts, dated up to now.
    pub fn new(posts: usize) -> Self {
        DatasetSpec {
            posts,
            now: Utc::now(),
        }
    }
}

/// What a seed wrote and how long it took.
#[derive(Debug, Clone)]
pub struct SeedReport {
    pub rows: usize,
    pub posts: usize,
    pub comments: usize,
    pub likes: usize,
    pub elapsed: Duration,
}

/// Generates the dataset and inserts it into an empty database.
/// `progress(done, total)` is called after each batch of rows.
pub async fn seed(
    db: &DatabaseConnection,
    spec: &DatasetSpec,
    hasher: &PasswordHasher,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<SeedReport, ServiceError> {
    let started = Instant::now();
    if !bulk::is_empty(db).await? {
        return Err(ServiceError::BadRequest(
            "the database already holds data; use --reset to empty it first".into(),
        ));
    }
    let mut dataset = generate(spec);
    dataset.users = hash_passwords(dataset.users, hasher).await;
    let (rows, posts, comments, likes) = (
        dataset.row_count(),
        dataset.posts.len(),
        dataset.comments.len(),
        dataset.likes.len(),
    );
    let mut done = 0;
    bulk::insert_dataset(db, dataset, &mut |n| {
        done += n;
        progress(done, rows);
    })
    .await?;
    Ok(SeedReport {
        rows,
        posts,
        comments,
        likes,
        elapsed: started.elapsed(),
    })
}

/// Empties every table, so that [`seed`] can fill them again.
pub async fn reset(db: &DatabaseConnection) -> Result<(), ServiceError> {
    Ok(bulk::reset(db).await?)
}

/// The user `n` (1-based) of the dataset: `testuser`/`testpass123`, then `user{n}`/`password{n}`.
pub fn credentials(n: i32) -> (String, String) {
    if n == 1 {
        ("testuser".into(), "testpass123".into())
    } else {
        (format!("user{n}"), format!("password{n}"))
    }
}

/// Replaces each user's clear password (held in `password_hash` by [`generate`])
/// by its hash, on every core.
async fn hash_passwords(users: Vec<user::Model>, hasher: &PasswordHasher) -> Vec<user::Model> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let chunk = users.len().div_ceil(cores).max(1);
    let mut tasks = Vec::new();
    let mut users = users.into_iter().peekable();
    while users.peek().is_some() {
        let part: Vec<user::Model> = users.by_ref().take(chunk).collect();
        let hasher = hasher.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            part.into_iter()
                .map(|mut u| {
                    u.password_hash = hasher.hash(&u.password_hash);
                    u
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut hashed = Vec::new();
    for task in tasks {
        hashed.extend(task.await.expect("password hashing task panicked"));
    }
    hashed
}

/// Builds every row of the dataset in memory. Users carry their clear password in
/// `password_hash`; [`seed`] hashes them.
pub fn generate(spec: &DatasetSpec) -> Dataset {
    let mut rng = SplitMix64::new(SEED);
    let start = spec.now - TimeDelta::days(365);
    let n = spec.posts.max(1) as i64;
    let step = TimeDelta::days(365).num_seconds() / n;

    let users = (1..=USERS)
        .map(|id| {
            let (username, password) = credentials(id);
            user::Model {
                id,
                username,
                password_hash: password,
                is_admin: id == 1,
                created_at: start - TimeDelta::days(30),
            }
        })
        .collect();
    let categories = CATEGORIES
        .iter()
        .zip(1..)
        .map(|(name, id)| category::Model {
            id,
            name: (*name).to_owned(),
        })
        .collect();
    let tags = (1..=TAGS)
        .map(|id| tag::Model {
            id,
            name: format!("tag{id}"),
        })
        .collect();

    let mut dataset = Dataset {
        users,
        categories,
        tags,
        ..Dataset::default()
    };
    let mut comment_id = 0;
    let mut like_id = 0;
    for i in 1..=spec.posts as i32 {
        let created_at = start + TimeDelta::seconds(step * i64::from(i - 1));
        let title_words = rng.range(3, 6) as usize;
        let content_words = rng.range(100, 1000) as usize;
        let title = format!("Post {i}: {}", rng.words(title_words));
        let content = rng.words(content_words);
        dataset.posts.push(post::Model {
            id: i,
            user_id: rng.range(1, USERS as u64) as i32,
            category_id: rng.range(1, CATEGORIES.len() as u64) as i32,
            title,
            word_count: content_words as i32,
            content,
            view_count: rng.range(0, 10_000) as i64,
            created_at,
            updated_at: created_at,
        });
        for tag_id in rng.distinct(TAGS_PER_POST, TAGS as u64) {
            dataset.post_tags.push(post_tag::Model {
                post_id: i,
                tag_id: tag_id as i32,
            });
        }
        for _ in 0..rng.range(0, MAX_COMMENTS_PER_POST) {
            comment_id += 1;
            let after = TimeDelta::seconds(rng.range(60, 7 * 24 * 3600) as i64);
            let words = rng.range(5, 40) as usize;
            dataset.comments.push(comment::Model {
                id: comment_id,
                post_id: i,
                user_id: rng.range(1, USERS as u64) as i32,
                content: rng.words(words),
                is_approved: rng.range(1, 100) <= APPROVED_PERCENT,
                created_at: (created_at + after).min(spec.now),
            });
        }
        let likers = rng.range(0, MAX_LIKES_PER_POST) as usize;
        for user_id in rng.distinct(likers, USERS as u64) {
            like_id += 1;
            dataset.likes.push(like::Model {
                id: like_id,
                post_id: i,
                user_id: user_id as i32,
                created_at: (created_at + TimeDelta::hours(1)).min(spec.now),
            });
        }
    }
    dataset
}

/// SplitMix64: tiny, fast and its output never changes between versions, which a
/// dataset that must be the same across machines and years needs.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        let span = hi - lo + 1;
        lo + ((u128::from(self.next()) * u128::from(span)) >> 64) as u64
    }

    /// `k` distinct values of `1..=n`, in random order (partial Fisher-Yates).
    fn distinct(&mut self, k: usize, n: u64) -> Vec<u64> {
        let mut pool: Vec<u64> = (1..=n).collect();
        let k = k.min(pool.len());
        for i in 0..k {
            let j = self.range(i as u64, n - 1) as usize;
            pool.swap(i, j);
        }
        pool.truncate(k);
        pool
    }

    /// `count` words of the vocabulary, with the odd rare word.
    fn words(&mut self, count: usize) -> String {
        let mut text = String::with_capacity(count * 8);
        for i in 0..count {
            if i > 0 {
                text.push(' ');
            }
            if self.range(1, 1000) <= RARE_PER_MILLE {
                for _ in 0..3 {
                    text.push_str(SYLLABLES[self.range(0, 7) as usize]);
                }
            } else {
                text.push_str(VOCABULARY[self.range(0, VOCABULARY.len() as u64 - 1) as usize]);
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_size_gives_the_same_rows() {
        let spec = DatasetSpec::new(50);
        let (a, b) = (generate(&spec), generate(&spec));
        assert_eq!(a.posts, b.posts);
        assert_eq!(a.comments, b.comments);
        assert_eq!(a.likes, b.likes);
    }

    #[test]
    fn rows_follow_the_spec() {
        let spec = DatasetSpec::new(300);
        let d = generate(&spec);
        assert_eq!(d.users.len(), 100);
        assert_eq!(d.categories.len(), 5);
        assert_eq!(d.categories[0].name, "Django");
        assert_eq!(d.tags.len(), 50);
        assert_eq!(d.posts.len(), 300);
        assert_eq!(d.post_tags.len(), 900);
        assert_eq!(d.users[0].username, "testuser");
        assert_eq!(d.users[41].username, "user42");
        // ids and dates agree
        assert!(
            d.posts
                .windows(2)
                .all(|w| w[0].created_at < w[1].created_at)
        );
        for p in &d.posts {
            assert_eq!(p.word_count as usize, p.content.split_whitespace().count());
            assert!((100..=1000).contains(&p.word_count));
            assert!((0..=10_000).contains(&p.view_count));
        }
        // about 10 comments and 15 likes per post, 80 % approved
        let per_post = d.comments.len() as f64 / 300.0;
        assert!(
            (8.0..12.0).contains(&per_post),
            "{per_post} comments per post"
        );
        let approved = d.comments.iter().filter(|c| c.is_approved).count() as f64;
        assert!((0.75..0.85).contains(&(approved / d.comments.len() as f64)));
        let likes = d.likes.len() as f64 / 300.0;
        assert!((13.0..17.0).contains(&likes), "{likes} likes per post");
        // likes are unique per (post, user); tags distinct per post
        let mut pairs: Vec<_> = d.likes.iter().map(|l| (l.post_id, l.user_id)).collect();
        pairs.sort();
        pairs.dedup();
        assert_eq!(pairs.len(), d.likes.len());
        let posts_by_id: std::collections::HashMap<_, _> =
            d.posts.iter().map(|p| (p.id, p)).collect();
        assert!(
            d.comments
                .iter()
                .all(|c| c.created_at > posts_by_id[&c.post_id].created_at)
        );
        let django = d
            .posts
            .iter()
            .filter(|p| p.content.contains("django"))
            .count();
        assert!(django > 250, "django is in most posts ({django})");
    }
}
