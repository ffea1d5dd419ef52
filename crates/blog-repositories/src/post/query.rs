//! The post query builder and its eager loader: a filtered set of posts,
//! counted or loaded a window at a time with everything a card shows.

use blog_entities::{category, post, post_tag, tag};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{
    ConnectionTrait, EntityName, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Statement,
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
        let backend = self.conn.get_database_backend();
        // SUM of a BIGINT is a NUMERIC on PostgreSQL: back to BIGINT.
        let total = Func::cast_as(
            Func::coalesce([
                Expr::col(category::Column::PostCount).sum(),
                Expr::val(0i64),
            ]),
            "BIGINT",
        );
        let counter = match self.counted_by() {
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
            Counter::None => {
                return post::Entity::find()
                    .select_only()
                    .expr(Expr::col((post::Entity, post::Column::Id)).count())
                    .filter(self.filter.condition(Backend::of(self.conn)))
                    .build(backend);
            }
        };
        backend.build(&counter)
    }

    /// Which counter cache holds the count, if one does.
    fn counted_by(&self) -> Counter<'_> {
        let PostFilter {
            category_id,
            tag,
            author_id,
            search,
        } = &self.filter;
        match (category_id, tag, author_id, search) {
            (None, None, None, None) => Counter::AllPosts,
            (Some(id), None, None, None) => Counter::Category(*id),
            (None, Some(name), None, None) => Counter::Tag(name),
            _ => Counter::None,
        }
    }

    /// The tables the count reads (what must invalidate a cached count).
    pub fn tables(&self) -> Vec<&'static str> {
        match self.counted_by() {
            Counter::AllPosts | Counter::Category(_) => vec![category::Entity.table_name()],
            Counter::Tag(_) => vec![tag::Entity.table_name()],
            Counter::None if self.filter.tag.is_some() => vec![
                post::Entity.table_name(),
                post_tag::Entity.table_name(),
                tag::Entity.table_name(),
            ],
            Counter::None => vec![post::Entity.table_name()],
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
    /// newest first, fully loaded. A window of all posts never walks the
    /// posts before it ([`position`]), nor a search the newer posts without
    /// matches ([`search`]); a narrowed list's skips them with `OFFSET`,
    /// within its own size.
    pub async fn fetch(
        &self,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<PostCardRow>, RepositoryError> {
        let limit = Ord::min(limit, MAX_WINDOW);
        let backend = Backend::of(self.query.conn);
        let filter = &self.query.filter;
        let window = if let Some(term) = filter.search.as_deref().filter(|_| self.in_id_order()) {
            search::window(term, backend, offset, limit)
        } else if *filter == PostFilter::default() && offset > 0 {
            position::window_at(backend, offset, limit)
        } else {
            let ids = self.window().offset(offset).limit(limit).to_owned();
            Expr::col((post::Entity, post::Column::Id)).in_subquery(ids)
        };
        self.load(window).await
    }

    /// All posts and a search are in id order (publication order, which the
    /// positions count and a search walks); a category's, a tag's or an
    /// author's list in date order (their indexes' order).
    fn in_id_order(&self) -> bool {
        let PostFilter {
            category_id,
            tag,
            author_id,
            search: _,
        } = &self.query.filter;
        category_id.is_none() && tag.is_none() && author_id.is_none()
    }

    /// The ids of the query's posts, newest first.
    fn window(&self) -> SelectStatement {
        let mut window = Query::select();
        window
            .column((post::Entity, post::Column::Id))
            .from(post::Entity)
            .cond_where(self.query.filter.condition(Backend::of(self.query.conn)));
        if !self.in_id_order() {
            window.order_by((post::Entity, post::Column::CreatedAt), Order::Desc);
        }
        window.order_by((post::Entity, post::Column::Id), Order::Desc);
        window
    }

    /// The cards of the posts the `window` condition picks, in the list's
    /// order. The window's ids are picked first, so that the joins run for its
    /// rows only.
    async fn load(&self, window: Expr) -> Result<Vec<PostCardRow>, RepositoryError> {
        let conn = self.query.conn;
        let shown = CommentsShown::Newest(LIST_COMMENTS_PER_POST);
        let mut select = card::select(Backend::of(conn), shown).filter(window);
        if !self.in_id_order() {
            select = select.order_by(post::Column::CreatedAt, Order::Desc);
        }
        let select = select.order_by(post::Column::Id, Order::Desc);
        let mut statement = select.build(conn.get_database_backend());
        if self.query.filter.search.is_some() && Backend::of(conn) == Backend::Postgres {
            // Planned for its word (see `search`): no placeholders to plan around.
            let sql = inline(&statement).during("loading the post cards")?;
            statement = Statement::from_string(statement.db_backend, sql);
        }
        let rows = conn
            .query_all_raw(statement)
            .await
            .during("loading the post cards")?;
        rows.iter().map(|row| card::from_row(row, shown)).collect()
    }
}
