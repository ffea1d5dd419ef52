//! What a list of posts may be narrowed to, as a WHERE clause.

use blog_entities::{follow, like, post, post_tag, tag, user};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{ColumnTrait, Condition};

use crate::Backend;

/// What a list of posts may be narrowed to; every field is optional and they combine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostFilter {
    /// Only posts of this category.
    pub category_id: Option<i32>,
    /// Only posts carrying the tag with this name.
    pub tag: Option<String>,
    /// Only posts by this user.
    pub author_id: Option<i32>,
    /// Words that must all appear in the title or content.
    pub search: Option<String>,
    /// Only posts by the user with this username (none if there is no such user).
    pub author_name: Option<String>,
    /// Only posts liked by the user with this username.
    pub liked_by_name: Option<String>,
    /// Only posts by the users this user follows (their feed).
    pub followed_by: Option<i32>,
}

impl PostFilter {
    /// The WHERE clause on `backend`.
    pub(super) fn condition(&self, backend: Backend) -> Condition {
        let mut cond = Condition::all();
        if let Some(category_id) = self.category_id {
            cond = cond.add(post::Column::CategoryId.eq(category_id));
        }
        if let Some(author_id) = self.author_id {
            cond = cond.add(post::Column::UserId.eq(author_id));
        }
        if let Some(name) = &self.tag {
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
        if let Some(term) = &self.search {
            cond = cond.add(search_condition(term, backend));
        }
        if let Some(name) = &self.author_name {
            cond = cond.add(post::Column::UserId.in_subquery(user_named(name)));
        }
        if let Some(name) = &self.liked_by_name {
            let liked = Query::select()
                .column((like::Entity, like::Column::PostId))
                .from(like::Entity)
                .and_where(
                    Expr::col((like::Entity, like::Column::UserId)).in_subquery(user_named(name)),
                )
                .to_owned();
            cond = cond.add(post::Column::Id.in_subquery(liked));
        }
        if let Some(follower) = self.followed_by {
            let followed = Query::select()
                .column((follow::Entity, follow::Column::FollowedId))
                .from(follow::Entity)
                .and_where(Expr::col((follow::Entity, follow::Column::FollowerId)).eq(follower))
                .to_owned();
            cond = cond.add(post::Column::UserId.in_subquery(followed));
        }
        cond
    }

    /// Only this category's posts.
    pub fn with_category(mut self, category_id: i32) -> Self {
        self.category_id = Some(category_id);
        self
    }

    /// Only posts with this tag.
    pub fn with_tag(mut self, name: &str) -> Self {
        self.tag = Some(name.to_owned());
        self
    }

    /// True when nothing narrows the list: all posts.
    pub(super) fn is_everything(&self) -> bool {
        *self == PostFilter::default()
    }

    /// True when only a search narrows the list (or nothing): a list in id
    /// order (publication order); the others are in date order.
    pub(super) fn in_id_order(&self) -> bool {
        let PostFilter {
            category_id,
            tag,
            author_id,
            search: _,
            author_name,
            liked_by_name,
            followed_by,
        } = self;
        category_id.is_none()
            && tag.is_none()
            && author_id.is_none()
            && author_name.is_none()
            && liked_by_name.is_none()
            && followed_by.is_none()
    }
}

/// `SELECT id FROM users WHERE username = name`.
fn user_named(name: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column((user::Entity, user::Column::Id))
        .from(user::Entity)
        .and_where(Expr::col((user::Entity, user::Column::Username)).eq(name))
        .to_owned()
}

/// Every word of `term` in the title or content. PostgreSQL matches the stored,
/// GIN-indexed `search_vector` (stemmed English); SQLite falls back to `LIKE`.
pub(super) fn search_condition(term: &str, backend: Backend) -> Condition {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }
}
