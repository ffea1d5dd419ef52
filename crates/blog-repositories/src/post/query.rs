//! The post query builder and its eager loader: a filtered set of posts,
//! counted or loaded a window at a time with everything a card shows.

use std::collections::HashMap;

use blog_entities::{category, comment, like, post, post_tag, tag, user};
use sea_orm::sea_query::{Expr, ExprTrait, Query, QueryStatementBuilder, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityName, EntityTrait, JoinType, Order, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, RelationTrait, Select, Statement,
};

use super::{LIST_COMMENTS_PER_POST, MAX_WINDOW, PostCardRow, PostFilter};
use crate::error::During;
use crate::{Backend, RepositoryError, comment as comments, tag as tags};

/// A filtered set of posts, newest first. Build it with the narrowing methods,
/// then count it or eager-load a window of it with [`PostQuery::with_related_data`].
#[derive(Debug, Clone)]
pub struct PostQuery<'c, C> {
    conn: &'c C,
    filter: PostFilter,
}

impl<'c, C: ConnectionTrait> PostQuery<'c, C> {
    /// All posts, on `conn`.
    pub(super) fn new(conn: &'c C) -> Self {
        PostQuery {
            conn,
            filter: PostFilter::default(),
        }
    }

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
        const OPERATION: &str = "counting the posts";
        let row = self
            .conn
            .query_one_raw(self.count_statement())
            .await
            .during(OPERATION)?;
        let count: i64 = match row {
            Some(row) => row.try_get_by_index(0).during(OPERATION)?,
            None => 0,
        };
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The statement [`PostQuery::count`] runs: the key of its query-cache entry.
    pub fn count_statement(&self) -> Statement {
        post::Entity::find()
            .select_only()
            .expr(Expr::col((post::Entity, post::Column::Id)).count())
            .filter(self.filter.condition(Backend::of(self.conn)))
            .build(self.conn.get_database_backend())
    }

    /// The tables the query reads (what must invalidate a cached count).
    pub fn tables(&self) -> Vec<&'static str> {
        let mut tables = vec![post::Entity.table_name()];
        if self.filter.tag.is_some() {
            tables.extend([post_tag::Entity.table_name(), tag::Entity.table_name()]);
        }
        tables
    }

    /// The list view's loader: author, category, tags, approved-comment count,
    /// like count and the 5 newest approved comments of each post.
    pub fn with_related_data(self) -> PostListLoader<'c, C> {
        PostListLoader { query: self }
    }
}

/// Loads windows of a [`PostQuery`] as [`PostCardRow`]s in at most 3 statements,
/// whatever the window size.
#[derive(Debug, Clone)]
pub struct PostListLoader<'c, C> {
    query: PostQuery<'c, C>,
}

impl<C: ConnectionTrait> PostListLoader<'_, C> {
    /// Posts `offset..offset + limit` of the query (at most [`MAX_WINDOW`]),
    /// newest first, fully loaded.
    pub async fn fetch(
        &self,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<PostCardRow>, RepositoryError> {
        let conn = self.query.conn;
        // Pick the window's ids first, so that joins and counts run for its rows
        // only, not for every row an OFFSET skips.
        let window = Query::select()
            .column((post::Entity, post::Column::Id))
            .from(post::Entity)
            .cond_where(self.query.filter.condition(Backend::of(conn)))
            .order_by((post::Entity, post::Column::CreatedAt), Order::Desc)
            .order_by((post::Entity, post::Column::Id), Order::Desc)
            .offset(offset)
            .limit(Ord::min(limit, MAX_WINDOW))
            .to_owned();
        let select = card_select()
            .filter(post::Column::Id.in_subquery(window))
            .order_by(post::Column::CreatedAt, Order::Desc)
            .order_by(post::Column::Id, Order::Desc);
        let mut cards = select
            .into_model::<PostCardRow>()
            .all(conn)
            .await
            .during("loading the post cards")?;
        if cards.is_empty() {
            return Ok(cards);
        }
        attach_tags(conn, &mut cards).await?;
        let ids: Vec<i32> = cards.iter().map(|c| c.id).collect();
        let mut newest =
            comments::newest_approved_for_posts(conn, &ids, LIST_COMMENTS_PER_POST).await?;
        for card in &mut cards {
            card.comments = newest.remove(&card.id).unwrap_or_default();
        }
        Ok(cards)
    }
}

/// The cards' statement: posts, author, category and both counts, without content.
pub(super) fn card_select() -> Select<post::Entity> {
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

/// Fills `tags` of every card (one statement).
pub(super) async fn attach_tags(
    conn: &impl ConnectionTrait,
    cards: &mut [PostCardRow],
) -> Result<(), RepositoryError> {
    let ids: Vec<i32> = cards.iter().map(|c| c.id).collect();
    let mut by_post: HashMap<i32, Vec<String>> = tags::names_for_posts(conn, &ids).await?;
    for card in cards.iter_mut() {
        card.tags = by_post.remove(&card.id).unwrap_or_default();
    }
    Ok(())
}
