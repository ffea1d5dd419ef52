//! Posts: the filter builder and the named eager-loading builders.
//!
//! A page of posts and everything it shows costs a constant number of statements:
//!
//! 1. the cards: posts joined to their author and category, with the approved-comment
//!    and like counts as correlated sub-selects (one sub-select per count, so the two
//!    never multiply each other as two joins would);
//! 2. the tag names of every post on the page ([`crate::tag`]);
//! 3. the newest approved comments of every post, at most N per post, in one window
//!    query ([`crate::comment`]).
//!
//! To show a new field on the list view, add it to [`PostCard`] (and, if it is a
//! column, to [`card_select`]): every page, JSON twin and search result gets it.
//!
//! Why not sea-orm's `find_also_related` / `LoaderTrait::load_many`: both load
//! whole models, and a whole post carries its content (3.5 KB on average), which
//! a list of 20 cards never shows; the loader API also needs those models as its
//! parents. The joins below use the entities' relations (`post::Relation::User`,
//! `post_tag::Relation::Tag`) but select only the columns a card shows.

use std::collections::HashMap;

use blog_entities::{category, comment, like, post, post_tag, tag, user};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Expr, ExprTrait, LikeExpr, Query, QueryStatementBuilder, SelectStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    JoinType, Order, QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationTrait, Select,
    Statement,
};
use serde::{Deserialize, Serialize};

use crate::comment::{self as comments, CommentView};
use crate::{Backend, RepositoryError, tag as tags};

/// Words a reader gets through in a minute, for [`read_time_minutes`].
pub const WORDS_PER_MINUTE: i32 = 250;

/// How many approved comments the list view shows under each post.
pub const LIST_COMMENTS_PER_POST: u64 = 5;

/// The most posts one [`PostListLoader::fetch`] loads: keeps the `IN (...)` lists
/// of the tag and comment statements far below SQLite's 32,766 bind parameters.
pub const MAX_WINDOW: u64 = 1000;

/// Reading time in whole minutes: `ceil(words / 250)`, at least 1.
pub fn read_time_minutes(word_count: i32) -> i32 {
    let words = Ord::max(word_count, 0);
    Ord::max((words + WORDS_PER_MINUTE - 1) / WORDS_PER_MINUTE, 1)
}

/// One post as the list views show it, with everything loaded. It is also the
/// JSON shape of `/api/posts/` results.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, FromQueryResult, utoipa::ToSchema,
)]
pub struct PostCard {
    pub id: i32,
    pub title: String,
    pub author_id: i32,
    /// The author's username.
    pub author: String,
    pub category_id: i32,
    /// The category's name.
    pub category: String,
    /// Tag names, alphabetical.
    #[sea_orm(skip)]
    pub tags: Vec<String>,
    /// Approved comments only.
    pub comment_count: i64,
    pub like_count: i64,
    pub word_count: i32,
    /// Minutes, from `word_count` ([`read_time_minutes`]).
    #[sea_orm(skip)]
    pub read_time: i32,
    pub view_count: i64,
    pub created_at: DateTime<Utc>,
    /// On list views the newest approved comments (at most 5); on the detail view
    /// every approved comment, oldest first.
    #[sea_orm(skip)]
    pub comments: Vec<CommentView>,
}

/// One post in full, for the detail view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostDetail {
    #[serde(flatten)]
    pub card: PostCard,
    pub content: String,
}

/// What a list of posts may be narrowed to; every field is optional and they combine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PostFilter {
    pub category_id: Option<i32>,
    /// A tag name.
    pub tag: Option<String>,
    pub author_id: Option<i32>,
    /// Words that must all appear in the title or content.
    pub search: Option<String>,
}

/// Entry point for post queries.
#[derive(Debug, Clone)]
pub struct PostRepository {
    db: DatabaseConnection,
}

impl PostRepository {
    /// A repository over `db` (a pool handle: cheap to clone).
    pub fn new(db: DatabaseConnection) -> Self {
        PostRepository { db }
    }

    /// Starts a query over all posts, newest first; narrow it, then eager-load.
    pub fn posts(&self) -> PostQuery<'_> {
        PostQuery {
            db: &self.db,
            filter: PostFilter::default(),
        }
    }

    /// The list view's loader over all posts (`posts().with_related_data()`).
    pub fn with_related_data(&self) -> PostListLoader<'_> {
        self.posts().with_related_data()
    }

    /// The detail loader: one post with its tags, counts and every approved
    /// comment with its author, in 3 statements; `None` if there is no such post.
    pub async fn find_detail(&self, id: i32) -> Result<Option<PostDetail>, RepositoryError> {
        let select = card_select()
            .column(post::Column::Content)
            .filter(post::Column::Id.eq(id));
        let statement = select.build(self.db.get_database_backend());
        let Some(row) = self.db.query_one_raw(statement).await? else {
            return Ok(None);
        };
        let card = PostCard::from_query_result(&row, "")?;
        let content: String = row.try_get("", "content")?;
        let mut cards = [card];
        attach_tags(&self.db, &mut cards).await?;
        let [mut card] = cards;
        card.comments = comments::approved_for_post(&self.db, id).await?;
        Ok(Some(PostDetail { card, content }))
    }
}

/// A filtered set of posts, newest first. Build it with the narrowing methods,
/// then count it or eager-load a window of it with [`PostQuery::with_related_data`].
#[derive(Debug, Clone)]
pub struct PostQuery<'a> {
    db: &'a DatabaseConnection,
    filter: PostFilter,
}

impl<'a> PostQuery<'a> {
    /// Applies every field of `filter` at once.
    pub fn filter(mut self, filter: PostFilter) -> Self {
        self.filter = filter;
        self
    }

    /// Only posts of this category.
    pub fn in_category(mut self, category_id: i32) -> Self {
        self.filter.category_id = Some(category_id);
        self
    }

    /// Only posts carrying the tag with this name.
    pub fn tagged(mut self, tag: impl Into<String>) -> Self {
        self.filter.tag = Some(tag.into());
        self
    }

    /// Only posts by this user.
    pub fn by_author(mut self, user_id: i32) -> Self {
        self.filter.author_id = Some(user_id);
        self
    }

    /// Only posts whose title or content contains every word of `term`
    /// (full-text search on PostgreSQL, `LIKE` on SQLite).
    pub fn matching(mut self, term: impl Into<String>) -> Self {
        self.filter.search = Some(term.into());
        self
    }

    /// How many posts match, in one statement.
    pub async fn count(&self) -> Result<u64, RepositoryError> {
        let row = self.db.query_one_raw(self.count_statement()).await?;
        let count: i64 = match row {
            Some(row) => row.try_get_by_index(0)?,
            None => 0,
        };
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The statement [`PostQuery::count`] runs: the key of its query-cache entry.
    pub fn count_statement(&self) -> Statement {
        post::Entity::find()
            .select_only()
            .expr(Expr::col((post::Entity, post::Column::Id)).count())
            .filter(filter_condition(&self.filter, Backend::of(self.db)))
            .build(self.db.get_database_backend())
    }

    /// The tables the query reads (what must invalidate a cached count).
    pub fn tables(&self) -> &'static [&'static str] {
        if self.filter.tag.is_some() {
            &["posts", "post_tags", "tags"]
        } else {
            &["posts"]
        }
    }

    /// The list view's loader: author, category, tags, approved-comment count,
    /// like count, read time and the 5 newest approved comments of each post.
    pub fn with_related_data(self) -> PostListLoader<'a> {
        PostListLoader {
            query: self,
            comments_per_post: LIST_COMMENTS_PER_POST,
        }
    }
}

/// Loads windows of a [`PostQuery`] as [`PostCard`]s in at most 3 statements,
/// whatever the window size.
#[derive(Debug, Clone)]
pub struct PostListLoader<'a> {
    query: PostQuery<'a>,
    comments_per_post: u64,
}

impl PostListLoader<'_> {
    /// Shows `n` newest approved comments under each post instead of 5.
    pub fn comments_per_post(mut self, n: u64) -> Self {
        self.comments_per_post = n;
        self
    }

    /// Posts `offset..offset + limit` of the query (at most [`MAX_WINDOW`]),
    /// newest first, fully loaded.
    pub async fn fetch(&self, offset: u64, limit: u64) -> Result<Vec<PostCard>, RepositoryError> {
        let db = self.query.db;
        // Pick the window's ids first, so that joins and counts run for its rows
        // only, not for every row an OFFSET skips.
        let window = Query::select()
            .column((post::Entity, post::Column::Id))
            .from(post::Entity)
            .cond_where(filter_condition(&self.query.filter, Backend::of(db)))
            .order_by((post::Entity, post::Column::CreatedAt), Order::Desc)
            .order_by((post::Entity, post::Column::Id), Order::Desc)
            .offset(offset)
            .limit(Ord::min(limit, MAX_WINDOW))
            .to_owned();
        let select = card_select()
            .filter(post::Column::Id.in_subquery(window))
            .order_by(post::Column::CreatedAt, Order::Desc)
            .order_by(post::Column::Id, Order::Desc);
        let mut cards = select.into_model::<PostCard>().all(db).await?;
        if cards.is_empty() {
            return Ok(cards);
        }
        attach_tags(db, &mut cards).await?;
        let ids: Vec<i32> = cards.iter().map(|c| c.id).collect();
        let mut newest =
            comments::newest_approved_for_posts(db, &ids, self.comments_per_post).await?;
        for card in &mut cards {
            card.comments = newest.remove(&card.id).unwrap_or_default();
        }
        Ok(cards)
    }
}

/// The cards' statement: posts, author, category and both counts, without content.
fn card_select() -> Select<post::Entity> {
    post::Entity::find()
        .select_only()
        .columns([
            post::Column::Id,
            post::Column::Title,
            post::Column::CategoryId,
            post::Column::WordCount,
            post::Column::ViewCount,
            post::Column::CreatedAt,
        ])
        .column_as(post::Column::UserId, "author_id")
        .column_as(user::Column::Username, "author")
        .column_as(category::Column::Name, "category")
        .expr_as(
            Expr::SubQuery(
                None,
                Box::new(approved_comment_count().into_sub_query_statement()),
            ),
            "comment_count",
        )
        .expr_as(
            Expr::SubQuery(None, Box::new(like_count().into_sub_query_statement())),
            "like_count",
        )
        .join(JoinType::InnerJoin, post::Relation::User.def())
        .join(JoinType::InnerJoin, post::Relation::Category.def())
}

/// `SELECT COUNT(*) FROM comments WHERE post_id = posts.id AND is_approved`.
fn approved_comment_count() -> SelectStatement {
    Query::select()
        .expr(Expr::col((comment::Entity, comment::Column::Id)).count())
        .from(comment::Entity)
        .and_where(
            Expr::col((comment::Entity, comment::Column::PostId))
                .equals((post::Entity, post::Column::Id)),
        )
        .and_where(Expr::col((comment::Entity, comment::Column::IsApproved)).eq(true))
        .to_owned()
}

/// `SELECT COUNT(*) FROM likes WHERE post_id = posts.id`.
fn like_count() -> SelectStatement {
    Query::select()
        .expr(Expr::col((like::Entity, like::Column::Id)).count())
        .from(like::Entity)
        .and_where(
            Expr::col((like::Entity, like::Column::PostId))
                .equals((post::Entity, post::Column::Id)),
        )
        .to_owned()
}

/// The WHERE clause of a [`PostFilter`].
fn filter_condition(filter: &PostFilter, backend: Backend) -> Condition {
    let mut cond = Condition::all();
    if let Some(category_id) = filter.category_id {
        cond = cond.add(post::Column::CategoryId.eq(category_id));
    }
    if let Some(author_id) = filter.author_id {
        cond = cond.add(post::Column::UserId.eq(author_id));
    }
    if let Some(name) = &filter.tag {
        let tagged = Query::select()
            .column((post_tag::Entity, post_tag::Column::PostId))
            .from(post_tag::Entity)
            .inner_join(
                tag::Entity,
                Expr::col((tag::Entity, tag::Column::Id))
                    .equals((post_tag::Entity, post_tag::Column::TagId)),
            )
            .and_where(Expr::col((tag::Entity, tag::Column::Name)).eq(name.as_str()))
            .to_owned();
        cond = cond.add(post::Column::Id.in_subquery(tagged));
    }
    if let Some(term) = &filter.search {
        cond = cond.add(search_condition(term, backend));
    }
    cond
}

/// Every word of `term` in the title or content. PostgreSQL matches the stored,
/// GIN-indexed `search_vector` (stemmed English); SQLite falls back to `LIKE`.
fn search_condition(term: &str, backend: Backend) -> Condition {
    match backend {
        Backend::Postgres => Condition::all().add(Expr::cust_with_values(
            r#""posts"."search_vector" @@ plainto_tsquery('english', $1)"#,
            [term.to_owned()],
        )),
        Backend::Sqlite => {
            let mut all_words = Condition::all();
            for word in term.split_whitespace() {
                let pattern = format!("%{}%", escape_like(word));
                all_words = all_words.add(
                    Condition::any()
                        .add(
                            Expr::col((post::Entity, post::Column::Title))
                                .like(LikeExpr::new(pattern.clone()).escape('\\')),
                        )
                        .add(
                            Expr::col((post::Entity, post::Column::Content))
                                .like(LikeExpr::new(pattern).escape('\\')),
                        ),
                );
            }
            all_words
        }
    }
}

/// Escapes `LIKE` wildcards so a user's `%` or `_` matches itself.
fn escape_like(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for ch in word.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Fills `tags` and `read_time` of every card (one statement for the tags).
async fn attach_tags(
    db: &DatabaseConnection,
    cards: &mut [PostCard],
) -> Result<(), RepositoryError> {
    let ids: Vec<i32> = cards.iter().map(|c| c.id).collect();
    let mut by_post: HashMap<i32, Vec<String>> = tags::names_for_posts(db, &ids).await?;
    for card in cards.iter_mut() {
        card.tags = by_post.remove(&card.id).unwrap_or_default();
        card.read_time = read_time_minutes(card.word_count);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_time_counts_words_and_rounds_up() {
        assert_eq!(read_time_minutes(0), 1);
        assert_eq!(read_time_minutes(1), 1);
        assert_eq!(read_time_minutes(250), 1);
        assert_eq!(read_time_minutes(251), 2);
        assert_eq!(read_time_minutes(1000), 4);
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }
}
