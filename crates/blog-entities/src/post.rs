//! `posts`: the articles the site is about.
//!
//! On PostgreSQL the table also has a generated `search_vector` column (see the
//! migration); it is not mapped here because only the search query reads it.

use sea_orm::entity::prelude::*;

/// A blog post. `word_count` is stored at write time so the read time never has
/// to look at the content.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    /// The post's id.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Its author.
    pub user_id: i32,
    /// Its category.
    pub category_id: i32,
    /// Its title.
    pub title: String,
    /// Its address in the RealWorld API: the title made URL-safe, then the
    /// id (`how-to-cache-42`), so it is unique and finds its post by key.
    pub slug: String,
    /// A one-line summary (the RealWorld API's article description).
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// The whole text.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// Words of `content`, counted when written (read time).
    pub word_count: i32,
    /// How often it was read.
    pub view_count: i64,
    /// Approved comments, kept by the writes that change them (a counter cache).
    pub comment_count: i64,
    /// Likes, kept by the writes that change them (a counter cache).
    pub like_count: i64,
    /// Its tag names as a JSON array, alphabetical, kept by the writes that
    /// change its tags (what a card shows, without a join).
    #[sea_orm(column_type = "Text")]
    pub tag_names: String,
    /// Its 5 newest approved comments as a JSON array of `[id, author id,
    /// author, content, created at]`, kept by the approvals (what a card
    /// shows, without a join).
    #[sea_orm(column_type = "Text")]
    pub newest_comments: String,
    /// When it was published (lists sort by it).
    pub created_at: DateTimeUtc,
    /// When it was last edited.
    pub updated_at: DateTimeUtc,
    /// Its author.
    #[sea_orm(belongs_to, from = "user_id", to = "id")]
    pub author: BelongsTo<super::user::Entity>,
    /// Its category.
    #[sea_orm(belongs_to, from = "category_id", to = "id")]
    pub category: BelongsTo<super::category::Entity>,
    /// Its comments.
    #[sea_orm(has_many)]
    pub comments: HasMany<super::comment::Entity>,
    /// Its likes.
    #[sea_orm(has_many)]
    pub likes: HasMany<super::like::Entity>,
    /// Its tags (through `post_tags`).
    #[sea_orm(has_many, via = "post_tag")]
    pub tags: HasMany<super::tag::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
