//! Posts as the RealWorld API shows them ("articles"): slug, title,
//! description, tag names, like count, dates and the author's profile, in
//! one statement for a page however long (posts joined to their author,
//! the tag names kept on the post). Whether the reader likes each post and
//! follows each author is the reader's own: [`viewer_state`], one more
//! statement, so that the rest is shared by every reader (and cached so).

use std::collections::HashSet;

use blog_entities::{follow, like, post, user};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SubQueryStatement, UnionType};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect,
    QueryTrait, RelationTrait, Select, StatementBuilder,
};

use super::PostQuery;
use crate::RepositoryError;
use crate::error::During;

/// One article, loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleRow {
    /// The post's id.
    pub id: i32,
    /// Its slug (its title made URL-safe, then its id).
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Its one-line summary.
    pub description: String,
    /// Its text: loaded for one article, not for a list.
    pub body: Option<String>,
    /// Its tag names, alphabetical.
    pub tags: Vec<String>,
    /// How many users like it.
    pub like_count: i64,
    /// When it was published.
    pub created_at: DateTime<Utc>,
    /// When it was last edited.
    pub updated_at: DateTime<Utc>,
    /// Its author.
    pub author: AuthorRow,
}

/// An article's author, as a profile shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorRow {
    /// The user's id.
    pub id: i32,
    /// Their username.
    pub username: String,
    /// What they say about themself.
    pub bio: Option<String>,
    /// Their picture's URL.
    pub image: Option<String>,
}

/// The columns of the article statement, as they come.
#[derive(FromQueryResult)]
struct ArticleRecord {
    id: i32,
    slug: String,
    title: String,
    description: String,
    body: Option<String>,
    tags_json: String,
    like_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    author_id: i32,
    author: String,
    author_bio: Option<String>,
    author_image: Option<String>,
}

/// A page of articles and the number the query selects in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleWindow {
    /// The page.
    pub articles: Vec<ArticleRow>,
    /// How many the query selects; `None` for an empty page (the caller
    /// counts, if it must).
    pub total: Option<u64>,
}

/// The article statement: posts joined to their author; with the body or not.
fn select(with_body: bool) -> Select<post::Entity> {
    let body = if with_body {
        Expr::col((post::Entity, post::Column::Content))
    } else {
        Expr::cust("NULL")
    };
    post::Entity::find()
        .select_only()
        .columns([
            post::Column::Id,
            post::Column::Slug,
            post::Column::Title,
            post::Column::Description,
            post::Column::LikeCount,
            post::Column::CreatedAt,
            post::Column::UpdatedAt,
        ])
        .expr_as(body, "body")
        .expr_as(
            Expr::col((post::Entity, post::Column::TagNames)),
            "tags_json",
        )
        .column_as(post::Column::UserId, "author_id")
        .column_as(user::Column::Username, "author")
        .column_as(user::Column::Bio, "author_bio")
        .column_as(user::Column::Image, "author_image")
        .join(JoinType::InnerJoin, post::Relation::User.def())
}

fn from_row(row: &sea_orm::QueryResult) -> Result<ArticleRow, RepositoryError> {
    const OPERATION: &str = "reading an article";
    let record = ArticleRecord::from_query_result(row, "").during(OPERATION)?;
    let tags: Vec<String> = serde_json::from_str(&record.tags_json)
        .map_err(|e| DbErr::Json(e.to_string()))
        .during(OPERATION)?;
    Ok(ArticleRow {
        id: record.id,
        slug: record.slug,
        title: record.title,
        description: record.description,
        body: record.body,
        tags,
        like_count: record.like_count,
        created_at: record.created_at,
        updated_at: record.updated_at,
        author: AuthorRow {
            id: record.author_id,
            username: record.author,
            bio: record.author_bio,
            image: record.author_image,
        },
    })
}

impl<C: ConnectionTrait> PostQuery<'_, C> {
    /// Articles `offset..offset + limit` of the query, newest first, without
    /// their bodies, with the query's total (a sub-select each row carries,
    /// run once): one statement.
    pub async fn articles(
        &self,
        offset: u64,
        limit: u64,
    ) -> Result<ArticleWindow, RepositoryError> {
        const OPERATION: &str = "loading the articles";
        let total = Expr::SubQuery(
            None,
            Box::new(SubQueryStatement::SelectStatement(self.count_query())),
        );
        let select = select(false)
            .expr_as(total, "total")
            .filter(self.window(offset, limit));
        let rows = self
            .conn
            .query_all_raw(self.statement(self.newest_first(select))?)
            .await
            .during(OPERATION)?;
        let total = match rows.first() {
            Some(row) => {
                let total: i64 = row.try_get("", "total").during(OPERATION)?;
                Some(u64::try_from(total).unwrap_or(0))
            }
            None => None,
        };
        let articles = rows.iter().map(from_row).collect::<Result<_, _>>()?;
        Ok(ArticleWindow { articles, total })
    }
}

/// Post `id` as an article, with its body, if it exists: one statement.
pub async fn find_article(
    conn: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<ArticleRow>, RepositoryError> {
    let select = select(true).filter(Expr::col((post::Entity, post::Column::Id)).eq(id));
    let row = conn
        .query_one_raw(select.build(conn.get_database_backend()))
        .await
        .during("loading the article")?;
    row.as_ref().map(from_row).transpose()
}

/// Which of `posts` the user `viewer` likes, and which of `authors` they
/// follow: one statement (none when both are empty).
pub async fn viewer_state(
    conn: &impl ConnectionTrait,
    viewer: i32,
    posts: &[i32],
    authors: &[i32],
) -> Result<(HashSet<i32>, HashSet<i32>), RepositoryError> {
    const OPERATION: &str = "reading what the reader likes and follows";
    if posts.is_empty() && authors.is_empty() {
        return Ok((HashSet::new(), HashSet::new()));
    }
    let kind = Alias::new("kind");
    let liked = Query::select()
        .expr_as(Expr::cust("0"), kind.clone())
        .expr_as(
            Expr::col((like::Entity, like::Column::PostId)),
            Alias::new("id"),
        )
        .from(like::Entity)
        .and_where(Expr::col((like::Entity, like::Column::UserId)).eq(viewer))
        .and_where(Expr::col((like::Entity, like::Column::PostId)).is_in(posts.iter().copied()))
        .to_owned();
    let followed = Query::select()
        .expr_as(Expr::cust("1"), kind)
        .expr_as(
            Expr::col((follow::Entity, follow::Column::FollowedId)),
            Alias::new("id"),
        )
        .from(follow::Entity)
        .and_where(Expr::col((follow::Entity, follow::Column::FollowerId)).eq(viewer))
        .and_where(
            Expr::col((follow::Entity, follow::Column::FollowedId)).is_in(authors.iter().copied()),
        )
        .to_owned();
    let both = liked.clone().union(UnionType::All, followed).to_owned();
    let statement = StatementBuilder::build(&both, &conn.get_database_backend());
    let rows = conn.query_all_raw(statement).await.during(OPERATION)?;
    let (mut likes, mut follows) = (HashSet::new(), HashSet::new());
    for row in rows {
        let kind: i32 = row.try_get_by_index(0).during(OPERATION)?;
        let id: i32 = row.try_get_by_index(1).during(OPERATION)?;
        if kind == 0 {
            likes.insert(id);
        } else {
            follows.insert(id);
        }
    }
    Ok((likes, follows))
}
