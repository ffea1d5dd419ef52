//! The post query builder and its eager loader: a filtered set of posts,
//! counted or loaded a window at a time with everything a card shows.

use blog_entities::{category, follow, like, post, post_tag, tag, user};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{
    ConnectionTrait, EntityName, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select, Statement,
};

use super::card::{self, CommentsShown};
use super::{LIST_COMMENTS_PER_POST, MAX_WINDOW, PostCardRow, PostFilter};
use super::{position, search};
use crate::connection::inline;
use crate::error::During;
use crate::{Backend, RepositoryError};

/// A filtered set of posts, newest first. Build it with the narrowing methods,
/// then count it or eager-load a window of it with [`PostQuery::with_related_data`].
#[derive(Debug, Clone)]
pub struct PostQuery<'c, C> {
    pub(super) conn: &'c C,
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

    /// How many posts match, in one statement: a counter cache for all
    /// posts, a category's or a tag's ([`crate::counters`]), else counted.
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
        self.conn.get_database_backend().build(&self.count_query())
    }

    /// The query [`PostQuery::count`] runs (also a sub-select of a page
    /// that carries its total).
    pub(super) fn count_query(&self) -> SelectStatement {
        // SUM of a BIGINT is a NUMERIC on PostgreSQL: back to BIGINT.
        let total = Func::cast_as(
            Func::coalesce([
                Expr::col(category::Column::PostCount).sum(),
                Expr::val(0i64),
            ]),
            "BIGINT",
        );
        match self.counted_by() {
            Counter::AllPosts => Query::select()
                .expr(total)
                .from(category::Entity)
                .to_owned(),
            Counter::Category(id) => Query::select()
                .column(category::Column::PostCount)
                .from(category::Entity)
                .and_where(Expr::col(category::Column::Id).eq(id))
                .to_owned(),
            Counter::Tag(name) => Query::select()
                .column(tag::Column::PostCount)
                .from(tag::Entity)
                .and_where(Expr::col(tag::Column::Name).eq(name))
                .to_owned(),
            Counter::None => post::Entity::find()
                .select_only()
                .expr(Expr::col((post::Entity, post::Column::Id)).count())
                .filter(self.filter.condition(Backend::of(self.conn)))
                .into_query(),
        }
    }

    /// Which counter cache holds the count, if one does.
    fn counted_by(&self) -> Counter<'_> {
        let only = |filter: PostFilter| filter == self.filter;
        match (&self.filter.category_id, &self.filter.tag) {
            _ if self.filter.is_everything() => Counter::AllPosts,
            (Some(id), _) if only(PostFilter::default().with_category(*id)) => {
                Counter::Category(*id)
            }
            (_, Some(name)) if only(PostFilter::default().with_tag(name)) => Counter::Tag(name),
            _ => Counter::None,
        }
    }

    /// The tables the count reads (what must invalidate a cached count).
    pub fn tables(&self) -> Vec<&'static str> {
        match self.counted_by() {
            Counter::AllPosts | Counter::Category(_) => vec![category::Entity.table_name()],
            Counter::Tag(_) => vec![tag::Entity.table_name()],
            Counter::None => {
                let filter = &self.filter;
                let mut tables = vec![post::Entity.table_name()];
                if filter.tag.is_some() {
                    tables.extend([post_tag::Entity.table_name(), tag::Entity.table_name()]);
                }
                if filter.author_name.is_some() || filter.liked_by_name.is_some() {
                    tables.push(user::Entity.table_name());
                }
                if filter.liked_by_name.is_some() {
                    tables.push(like::Entity.table_name());
                }
                if filter.followed_by.is_some() {
                    tables.push(follow::Entity.table_name());
                }
                tables
            }
        }
    }

    /// The list view's loader: author, category, tags, approved-comment count,
    /// like count and the 5 newest approved comments of each post.
    pub fn with_related_data(self) -> PostListLoader<'c, C> {
        PostListLoader { query: self }
    }
}

/// Where a [`PostQuery`]'s count is kept.
enum Counter<'f> {
    /// The sum of every category's post count.
    AllPosts,
    /// This category's post count.
    Category(i32),
    /// The post count of the tag with this name (none if there is no such tag).
    Tag(&'f str),
    /// No counter: the matching posts are counted.
    None,
}

/// Loads windows of a [`PostQuery`] as [`PostCardRow`]s in one statement,
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
        let shown = CommentsShown::Newest(LIST_COMMENTS_PER_POST);
        let select =
            card::select(Backend::of(conn), shown).filter(self.query.window(offset, limit));
        let rows = conn
            .query_all_raw(self.query.statement(self.query.newest_first(select))?)
            .await
            .during("loading the post cards")?;
        rows.iter().map(|row| card::from_row(row, shown)).collect()
    }
}

impl<C: ConnectionTrait> PostQuery<'_, C> {
    /// The condition picking posts `offset..offset + limit` of the query (at
    /// most [`MAX_WINDOW`]), newest first: the window's ids are picked first,
    /// so that a loader's joins run for its rows only. A window of all posts
    /// never walks the posts before it ([`position`]), nor a search the newer
    /// posts without matches ([`search`]); a narrowed list's skips them with
    /// `OFFSET`, within its own size.
    pub(super) fn window(&self, offset: u64, limit: u64) -> Expr {
        let limit = Ord::min(limit, MAX_WINDOW);
        let backend = Backend::of(self.conn);
        let filter = &self.filter;
        if let Some(term) = filter.search.as_deref().filter(|_| filter.in_id_order()) {
            search::window(term, backend, offset, limit)
        } else if filter.is_everything() && offset > 0 {
            position::window_at(backend, offset, limit)
        } else {
            let mut ids = Query::select();
            ids.column((post::Entity, post::Column::Id))
                .from(post::Entity)
                .cond_where(filter.condition(backend));
            if !filter.in_id_order() {
                ids.order_by((post::Entity, post::Column::CreatedAt), Order::Desc);
            }
            ids.order_by((post::Entity, post::Column::Id), Order::Desc)
                .offset(offset)
                .limit(limit);
            Expr::col((post::Entity, post::Column::Id)).in_subquery(ids)
        }
    }

    /// `select` as a statement; a search's on PostgreSQL with its values
    /// inlined, so that it is planned for its word (see [`search`]).
    pub(super) fn statement(
        &self,
        select: Select<post::Entity>,
    ) -> Result<Statement, RepositoryError> {
        let statement = select.build(self.conn.get_database_backend());
        if self.filter.search.is_none() || Backend::of(self.conn) != Backend::Postgres {
            return Ok(statement);
        }
        let sql = inline(&statement).during("planning the search")?;
        Ok(Statement::from_string(statement.db_backend, sql))
    }

    /// `select` in the list's order: all posts and a search in id order
    /// (publication order, which the positions count and a search walks);
    /// a narrowed list in date order (its indexes' order).
    pub(super) fn newest_first(&self, select: Select<post::Entity>) -> Select<post::Entity> {
        let select = if self.filter.in_id_order() {
            select
        } else {
            select.order_by(post::Column::CreatedAt, Order::Desc)
        };
        select.order_by(post::Column::Id, Order::Desc)
    }
}
