//! The benchmark dataset of `shared/spec/dataset.md`, generated deterministically
//! (a seeded PRNG, seed 42) and loaded in batches.

use std::time::{Duration, Instant};

mod generate;
mod words;

use blog_entities::user;
use blog_repositories::counters::{self, Repaired};
use blog_repositories::{DbPool, DbTransaction, Writer, bulk};
use chrono::{DateTime, Utc};

pub use self::generate::generate;
use crate::cache::Tag;
use crate::{PasswordHasher, ServiceError};

/// The PRNG seed of the spec: the same post count gives the same rows.
pub const SEED: u64 = 42;

/// Posts in the benchmark dataset when no size is given.
pub const DEFAULT_POSTS: usize = 2_000;

/// Posts in the demo dataset the embedded default fills an empty database with.
pub const DEMO_POSTS: usize = 200;

/// The five categories, ids 1..5 in this order.
pub const CATEGORIES: [&str; 5] = ["Django", "Rust", "Databases", "DevOps", "Frontend"];

/// The administrator's username: the one account that may read monitoring.
/// It is not one of the dataset's users, whose passwords are published.
pub const ADMIN_USERNAME: &str = "admin";

/// How big a dataset to make, and the administrator's password.
#[derive(Clone)]
pub struct DatasetSpec {
    /// How many posts (comments, likes and tag links scale with it).
    pub posts: usize,
    /// Creation dates end here and start 365 days before.
    pub now: DateTime<Utc>,
    /// The password of [`ADMIN_USERNAME`] (random unless chosen).
    pub admin_password: String,
}

impl std::fmt::Debug for DatasetSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatasetSpec")
            .field("posts", &self.posts)
            .field("now", &self.now)
            .field("admin_password", &"***")
            .finish()
    }
}

impl DatasetSpec {
    /// `posts` posts, dated up to now, and a random admin password.
    pub fn new(posts: usize) -> Self {
        DatasetSpec {
            posts,
            now: Utc::now(),
            admin_password: random_password(),
        }
    }

    /// The same, with this admin password.
    pub fn with_admin_password(mut self, password: impl Into<String>) -> Self {
        self.admin_password = password.into();
        self
    }
}

/// 24 hex characters from the operating system's CSPRNG.
fn random_password() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    hex::encode(bytes)
}

/// What a seed wrote and how long it took.
#[derive(Debug, Clone)]
pub struct SeedReport {
    /// Rows of every table together.
    pub rows: usize,
    /// Posts written.
    pub posts: usize,
    /// Comments written.
    pub comments: usize,
    /// Likes written.
    pub likes: usize,
    /// How long generating, hashing and inserting took.
    pub elapsed: Duration,
}

/// Generates the dataset and inserts it into an empty database.
/// `progress(done, total)` is called after each batch of rows.
pub async fn seed(
    db: &DbPool,
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
    dataset.users.push(admin(spec, dataset.users.len()));
    dataset.users = hash_passwords(dataset.users, hasher).await;
    let (rows, posts, comments, likes) = (
        dataset.row_count(),
        dataset.posts.len(),
        dataset.comments.len(),
        dataset.likes.len(),
    );
    let mut done = 0;
    let mut writer = bulk::load(db, dataset, &mut |n| {
        done += n;
        progress(done, rows);
    })
    .await?;
    invalidate_everything(&mut writer).await?;
    writer.commit().await?;
    bulk::analyze(db).await?;
    Ok(SeedReport {
        rows,
        posts,
        comments,
        likes,
        elapsed: started.elapsed(),
    })
}

/// The administrator, after the dataset's users (its clear password in
/// `password_hash` until hashed).
fn admin(spec: &DatasetSpec, users: usize) -> user::Model {
    user::Model {
        id: users as i32 + 1,
        username: ADMIN_USERNAME.to_owned(),
        email: format!("{ADMIN_USERNAME}@example.com"),
        bio: None,
        image: None,
        password_hash: spec.admin_password.clone(),
        is_admin: true,
        created_at: spec.now - chrono::TimeDelta::days(400),
    }
}

/// Empties every table, so that [`seed`] can fill them again.
pub async fn reset(db: &DbPool) -> Result<(), ServiceError> {
    let mut writer = Writer::begin(db).await?;
    bulk::reset(&mut writer).await?;
    invalidate_everything(&mut writer).await?;
    writer.commit().await?;
    Ok(())
}

/// `blog repair-counts`: every counter cache recomputed from the rows, in one
/// transaction that holds writers off; if any was wrong, nothing cached
/// before it is trusted.
pub async fn repair_counts(db: &DbPool) -> Result<Repaired, ServiceError> {
    let mut writer = Writer::begin(db).await?;
    let repaired = counters::recompute(&mut writer).await?;
    if repaired != Repaired::default() {
        invalidate_everything(&mut writer).await?;
    }
    writer.commit().await?;
    Ok(repaired)
}

/// Records, in the bulk change's transaction, that nothing cached before it
/// is valid (the ids are new): the outbox carries it to every instance.
async fn invalidate_everything(writer: &mut Writer<DbTransaction>) -> Result<(), ServiceError> {
    crate::outbox::record_tags(writer, &[Tag::all()]).await?;
    Ok(())
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
        // the old posts' word: every other post of the oldest tenth, no other
        let vintage: Vec<i32> = d
            .posts
            .iter()
            .filter(|p| p.content.ends_with(generate::OLD_POSTS_WORD))
            .map(|p| p.id)
            .collect();
        assert_eq!(vintage, (1..=30).step_by(2).collect::<Vec<_>>());
        assert!(
            d.posts
                .iter()
                .all(|p| p.title.matches(generate::OLD_POSTS_WORD).count() == 0)
        );
    }
}
