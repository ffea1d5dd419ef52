//! The window of a search: its matches, newest first, without walking
//! every newer post to find a word whose posts are all old.
//!
//! Left to itself, PostgreSQL answers "matches of a word, newest first, 21
//! of them" by walking the posts from the newest and testing each: right
//! for a word in most posts (`django`), but the planner knows only how
//! common a word is over all posts, not that its posts are all old, and
//! for such a word it walks nine tenths of the table (0.9 s at 20,000
//! posts). So the newest [`RECENT_POSTS`] are searched first, and only if
//! they hold fewer matches than the page needs are the older ones searched,
//! through the full-text index alone (`id + 0` keeps the planner from
//! walking them in id order, or from reading the primary key for every
//! older id to intersect with the matches: 1.5x the old-word searches a
//! second at 20,000 posts): one statement, the recent part materialized
//! once, the older part gated on its count (a one-time filter, so a page
//! the recent posts fill never reads the index).
//!
//! The recent part is a walk of the primary key, `ORDER BY id DESC LIMIT
//! 500`, whatever the heap's order: a range such as `id > max(id) - 500`
//! would leave the planner to guess how scattered those rows lie, and on a
//! heap written by several backends at once (or worn by updates) it guesses
//! a sequential scan of every post.

use blog_entities::post;
use sea_orm::sea_query::{
    Alias, Asterisk, BinOper, CommonTableExpression, Expr, ExprTrait, Order, Query,
    SelectStatement, SubQueryStatement, UnionType, WithClause,
};

use super::filter::search_condition;
use crate::Backend;

/// The newest posts a search walks before it turns to the index.
pub const RECENT_POSTS: u64 = 500;

/// The condition picking matches of `term` `offset..offset + limit`,
/// newest (highest id) first: `posts.id IN (WITH recent AS MATERIALIZED
/// (..) SELECT id FROM (recent UNION ALL older) ORDER BY id DESC ..)`. The
/// recent part tests each of the newest posts (a derived table, which the
/// full-text index cannot serve); the older part reads the index (never a
/// walk). Run it with its values inlined ([`crate::connection::inline`]):
/// a prepared plan made for no word in particular could walk the index's
/// matches in id order.
pub(crate) fn window(term: &str, backend: Backend, offset: u64, limit: u64) -> Expr {
    let need = offset.saturating_add(limit);
    let id = || Expr::col((post::Entity, post::Column::Id));
    let newest = Query::select()
        .column(Asterisk)
        .from(post::Entity)
        .order_by((post::Entity, post::Column::Id), Order::Desc)
        .limit(RECENT_POSTS)
        .to_owned();
    let recent = Query::select()
        .column((post::Entity, post::Column::Id))
        .from_subquery(newest, post::Entity)
        .cond_where(search_condition(term, backend))
        .order_by((post::Entity, post::Column::Id), Order::Desc)
        .limit(need)
        .to_owned();
    // The oldest of the newest posts (none if there are no more).
    let boundary = Query::select()
        .column((post::Entity, post::Column::Id))
        .from(post::Entity)
        .order_by((post::Entity, post::Column::Id), Order::Desc)
        .offset(RECENT_POSTS - 1)
        .limit(1)
        .to_owned();
    let recent_count = Query::select()
        .expr(Expr::col(Alias::new("id")).count())
        .from(Alias::new("recent"))
        .to_owned();
    let older = Query::select()
        .column((post::Entity, post::Column::Id))
        .from(post::Entity)
        .cond_where(search_condition(term, backend))
        .and_where(id().add(0).lt(scalar(boundary)))
        .and_where(scalar(recent_count).lt(need))
        .order_by_expr(id().add(0), Order::Desc)
        .limit(need)
        .to_owned();
    let both = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("recent"))
        .union(
            UnionType::All,
            Query::select()
                .column(Alias::new("id"))
                .from_subquery(older, Alias::new("older"))
                .to_owned(),
        )
        .to_owned();
    let page = Query::select()
        .column(Alias::new("id"))
        .from_subquery(both, Alias::new("matched"))
        .order_by(Alias::new("id"), Order::Desc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    let recent = CommonTableExpression::new()
        .query(recent)
        .column(Alias::new("id"))
        .table_name(Alias::new("recent"))
        .materialized(true)
        .to_owned();
    let with = WithClause::new().cte(recent).to_owned().query(page);
    id().binary(
        BinOper::In,
        Expr::SubQuery(None, Box::new(SubQueryStatement::WithStatement(with))),
    )
}

/// `(SELECT ...)` as a value.
fn scalar(select: SelectStatement) -> Expr {
    Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(select)))
}
