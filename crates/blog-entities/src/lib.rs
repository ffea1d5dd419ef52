//! sea-orm entities, one module per table.
//!
//! The table names are part of the public contract (outside tools read them):
//! `users`, `categories`, `posts`, `comments`, `tags`, `post_tags`, `likes`,
//! `follows`.
//! Entities only describe rows; every query lives in `blog-repositories`.

pub mod auth_token;
pub mod cache_invalidation;
pub mod category;
pub mod comment;
pub mod follow;
pub mod idempotency_key;
pub mod like;
pub mod post;
pub mod post_bucket;
pub mod post_tag;
pub mod tag;
pub mod user;

/// The usual imports for code that queries several entities.
pub mod prelude {
    pub use super::auth_token::Entity as AuthToken;
    pub use super::category::Entity as Category;
    pub use super::comment::Entity as Comment;
    pub use super::like::Entity as Like;
    pub use super::post::Entity as Post;
    pub use super::post_tag::Entity as PostTag;
    pub use super::tag::Entity as Tag;
    pub use super::user::Entity as User;
}
