//! Builds every row of the dataset in memory, deterministically (seed 42).

use blog_entities::{category, comment, follow, like, post, post_tag, tag, user};
use blog_repositories::bulk::Dataset;
use chrono::{DateTime, TimeDelta, Utc};

use super::words::SplitMix64;
use super::{CATEGORIES, DatasetSpec, SEED, credentials};
use crate::posts::slug::slug_for;

const USERS: i32 = 100;
const TAGS: i32 = 50;
const TAGS_PER_POST: usize = 3;
const MAX_COMMENTS_PER_POST: u64 = 20;
const MAX_LIKES_PER_POST: u64 = 30;
/// Out of 100, how many comments are approved.
const APPROVED_PERCENT: u64 = 80;
/// Words of the content a post's description repeats.
const DESCRIPTION_WORDS: usize = 12;
/// User `n` follows the users this many places after it (wrapping around).
const FOLLOWED_OFFSETS: [i32; 3] = [1, 7, 31];
/// A word common in old posts only: every other post of the oldest tenth
/// ends with it (its last word replaced, so no random choice changes). A
/// search for it must not walk the newer nine tenths to fill a page.
pub const OLD_POSTS_WORD: &str = "vintage";

/// Every row of the dataset `spec` describes. Users carry their clear password
/// in `password_hash`; `seed` hashes them.
pub fn generate(spec: &DatasetSpec) -> Dataset {
    let mut rng = SplitMix64::new(SEED);
    let start = spec.now - TimeDelta::days(365);
    let step = TimeDelta::days(365).num_seconds() / spec.posts.max(1) as i64;
    let mut rows = Rows {
        dataset: Dataset {
            users: users(start),
            categories: categories(),
            tags: tags(),
            ..Dataset::default()
        },
        rng: &mut rng,
        now: spec.now,
    };
    for i in 1..=spec.posts as i32 {
        rows.post(i, start + TimeDelta::seconds(step * i64::from(i - 1)));
    }
    rows.dataset.follows = follows(start);
    let oldest_tenth = spec.posts / 10;
    for post in rows.dataset.posts.iter_mut().take(oldest_tenth).step_by(2) {
        if let Some(last) = post.content.rfind(' ') {
            post.content.truncate(last + 1);
            post.content.push_str(OLD_POSTS_WORD);
        }
    }
    rows.dataset
}

/// `testuser` and `user2` .. `user100`: ordinary accounts with published
/// passwords (the administrator is added by `seed`, with a password of its own).
fn users(start: DateTime<Utc>) -> Vec<user::Model> {
    (1..=USERS)
        .map(|id| {
            let (username, password) = credentials(id);
            user::Model {
                id,
                email: format!("{username}@example.com"),
                bio: None,
                image: None,
                username,
                password_hash: password,
                is_admin: false,
                created_at: start - TimeDelta::days(30),
            }
        })
        .collect()
}

/// Three follows per user, deterministically: user `n` follows the users
/// [`FOLLOWED_OFFSETS`] places after it.
fn follows(start: DateTime<Utc>) -> Vec<follow::Model> {
    (1..=USERS)
        .flat_map(|follower| {
            FOLLOWED_OFFSETS.map(|offset| follow::Model {
                follower_id: follower,
                followed_id: (follower - 1 + offset) % USERS + 1,
                created_at: start - TimeDelta::days(1),
            })
        })
        .collect()
}

/// The five categories, ids 1..5.
fn categories() -> Vec<category::Model> {
    CATEGORIES
        .iter()
        .zip(1..)
        .map(|(name, id)| category::Model {
            id,
            name: (*name).to_owned(),
            post_count: 0,
        })
        .collect()
}

/// `tag1` .. `tag50`.
fn tags() -> Vec<tag::Model> {
    (1..=TAGS)
        .map(|id| tag::Model {
            id,
            name: format!("tag{id}"),
            post_count: 0,
        })
        .collect()
}

/// The rows made so far and the generator that makes the next ones.
struct Rows<'a> {
    dataset: Dataset,
    rng: &'a mut SplitMix64,
    now: DateTime<Utc>,
}

impl Rows<'_> {
    /// Post `i`, published at `created_at`, with its tags, comments and likes,
    /// and every counter cache they change counted.
    fn post(&mut self, i: i32, created_at: DateTime<Utc>) {
        let rng = &mut *self.rng;
        let title_words = rng.range(3, 6) as usize;
        let content_words = rng.range(100, 1000) as usize;
        let title = format!("Post {i}: {}", rng.words(title_words));
        let content = rng.words(content_words);
        let user_id = rng.range(1, USERS as u64) as i32;
        let category_id = rng.range(1, CATEGORIES.len() as u64) as i32;
        let description = content
            .split(' ')
            .take(DESCRIPTION_WORDS)
            .collect::<Vec<_>>()
            .join(" ");
        let mut post = post::Model {
            id: i,
            user_id,
            category_id,
            slug: slug_for(&title, i),
            description,
            title,
            word_count: content_words as i32,
            content,
            view_count: rng.range(0, 10_000) as i64,
            comment_count: 0,
            like_count: 0,
            // Filled from the rows once they are in (`bulk::insert_dataset`).
            tag_names: "[]".to_owned(),
            newest_comments: "[]".to_owned(),
            created_at,
            updated_at: created_at,
        };
        self.dataset.categories[category_id as usize - 1].post_count += 1;
        for tag_id in rng.distinct(TAGS_PER_POST, TAGS as u64) {
            self.dataset.post_tags.push(post_tag::Model {
                post_id: i,
                tag_id: tag_id as i32,
            });
            self.dataset.tags[tag_id as usize - 1].post_count += 1;
        }
        post.comment_count = self.comments(i, created_at);
        post.like_count = self.likes(i, created_at);
        self.dataset.posts.push(post);
    }

    /// 0-20 comments on post `i`, 80 % approved, each after the post; returns
    /// how many are approved.
    fn comments(&mut self, post_id: i32, created_at: DateTime<Utc>) -> i64 {
        let rng = &mut *self.rng;
        let mut approved = 0;
        for _ in 0..rng.range(0, MAX_COMMENTS_PER_POST) {
            let after = TimeDelta::seconds(rng.range(60, 7 * 24 * 3600) as i64);
            let words = rng.range(5, 40) as usize;
            let id = self.dataset.comments.len() as i32 + 1;
            let comment = comment::Model {
                id,
                post_id,
                user_id: rng.range(1, USERS as u64) as i32,
                content: rng.words(words),
                is_approved: rng.range(1, 100) <= APPROVED_PERCENT,
                created_at: (created_at + after).min(self.now),
            };
            approved += i64::from(comment.is_approved);
            self.dataset.comments.push(comment);
        }
        approved
    }

    /// 0-30 likes of post `i`, from distinct users; returns how many.
    fn likes(&mut self, post_id: i32, created_at: DateTime<Utc>) -> i64 {
        let rng = &mut *self.rng;
        let likers = rng.range(0, MAX_LIKES_PER_POST) as usize;
        for user_id in rng.distinct(likers, USERS as u64) {
            let id = self.dataset.likes.len() as i32 + 1;
            self.dataset.likes.push(like::Model {
                id,
                post_id,
                user_id: user_id as i32,
                created_at: (created_at + TimeDelta::hours(1)).min(self.now),
            });
        }
        likers as i64
    }
}
