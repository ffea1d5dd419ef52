//! Posts as the RealWorld API reads them ("articles"): a list narrowed by
//! tag, author or who likes them, a reader's feed, one article by slug.
//! What every reader sees is cached shared (1 statement on a miss: the
//! articles, carrying their total); whether the reader likes
//! each post and follows each author is theirs, cached per reader (1 more
//! statement on a miss). A hit costs no statement.

use std::time::Duration;

use blog_repositories::post::article::{self, ArticleRow};
use blog_repositories::post::{self, PostFilter};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PostService;
use super::slug::id_of;
use super::validation::{MAX_TAG_CHARS, filter_text};
use crate::auth::AuthUser;
use crate::auth::accounts::MAX_USERNAME_CHARS;
use crate::cache::{CacheKey, Cacheable, Tag};
use crate::{ServiceError, cache_tags};

/// How long a page of articles lives (correctness comes from tag versions).
const ARTICLES_TTL: Duration = Duration::from_secs(300);
/// How long an empty page lives.
const MISSING_TTL: Duration = Duration::from_secs(10);
/// How long a reader's likes and follows of a page live.
const VIEWER_TTL: Duration = Duration::from_secs(60);
/// Articles a page may hold.
pub const MAX_LIMIT: u64 = 100;
/// Articles a page holds unless asked otherwise.
pub const DEFAULT_LIMIT: u64 = 20;
/// The most articles a page may skip: far past any list, and a bound on what
/// reaches the database (an offset past `i64::MAX` would be its error).
pub const MAX_OFFSET: u64 = 1_000_000;

/// What a list of articles asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleQuery {
    /// Only articles with this tag.
    pub tag: Option<String>,
    /// Only articles by this username.
    pub author: Option<String>,
    /// Only articles this username likes.
    pub favorited: Option<String>,
    /// How many (1 to [`MAX_LIMIT`]).
    pub limit: u64,
    /// How many to skip (0 to [`MAX_OFFSET`]).
    pub offset: u64,
}

/// An article's author as a reader sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// The user's id.
    pub id: i32,
    /// Their username.
    pub username: String,
    /// Their bio.
    pub bio: Option<String>,
    /// Their picture.
    pub image: Option<String>,
    /// Whether the reader follows them.
    pub following: bool,
}

/// An article as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// The post's id.
    pub id: i32,
    /// Its slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Its summary.
    pub description: String,
    /// Its text (one article; not in a list).
    pub body: Option<String>,
    /// Its tag names, alphabetical.
    pub tags: Vec<String>,
    /// Whether the reader likes it.
    pub favorited: bool,
    /// How many users like it.
    pub favorites_count: i64,
    /// When it was published.
    pub created_at: DateTime<Utc>,
    /// When it was last edited.
    pub updated_at: DateTime<Utc>,
    /// Its author.
    pub author: Author,
}

/// A page of articles and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticlePage {
    /// The page.
    pub articles: Vec<Article>,
    /// Every article the query selects.
    pub count: u64,
}

impl Cacheable for Article {
    const SCHEMA: u32 = 1;
}

impl Cacheable for ArticlePage {
    const SCHEMA: u32 = 1;
}

/// Which posts of a page the reader likes, and which authors they follow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ViewerState {
    liked: Vec<i32>,
    followed: Vec<i32>,
}

impl Cacheable for ViewerState {
    const SCHEMA: u32 = 1;
}

impl From<ArticleRow> for Article {
    fn from(row: ArticleRow) -> Self {
        Article {
            id: row.id,
            slug: row.slug,
            title: row.title,
            description: row.description,
            body: row.body,
            tags: row.tags,
            favorited: false,
            favorites_count: row.like_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
            author: Author {
                id: row.author.id,
                username: row.author.username,
                bio: row.author.bio,
                image: row.author.image,
                following: false,
            },
        }
    }
}

impl PostService {
    /// A page of articles, newest first, as `viewer` sees it.
    pub async fn articles(
        &self,
        query: &ArticleQuery,
        viewer: Option<&AuthUser>,
    ) -> Result<ArticlePage, ServiceError> {
        let limit = check_page(query.limit, query.offset)?;
        for (name, value, max) in [
            ("tag", &query.tag, MAX_TAG_CHARS),
            ("author", &query.author, MAX_USERNAME_CHARS),
            ("favorited", &query.favorited, MAX_USERNAME_CHARS),
        ] {
            if let Some(value) = value {
                filter_text(name, value, max)?;
            }
        }
        let key = CacheKey::new("articles")
            .opt("tag", query.tag.as_deref())
            .opt("author", query.author.as_deref())
            .opt("favorited", query.favorited.as_deref())
            .arg("limit", limit)
            .arg("offset", query.offset);
        let mut tags = vec![cache_tags::posts(), cache_tags::profiles()];
        tags.extend(query.favorited.as_deref().map(cache_tags::liked_by_name));
        let filter = PostFilter {
            tag: query.tag.clone(),
            author_name: query.author.clone(),
            liked_by_name: query.favorited.clone(),
            ..PostFilter::default()
        };
        self.article_page(&key, &tags, filter, (limit, query.offset), viewer)
            .await
    }

    /// A page of `user`'s feed: the articles of the users they follow,
    /// newest first.
    pub async fn feed(
        &self,
        user: &AuthUser,
        limit: u64,
        offset: u64,
    ) -> Result<ArticlePage, ServiceError> {
        let limit = check_page(limit, offset)?;
        let key = CacheKey::new("feed")
            .arg("user", user.id)
            .arg("limit", limit)
            .arg("offset", offset);
        let tags = [
            cache_tags::posts(),
            cache_tags::profiles(),
            cache_tags::follows_of(user.id),
        ];
        let filter = PostFilter {
            followed_by: Some(user.id),
            ..PostFilter::default()
        };
        self.article_page(&key, &tags, filter, (limit, offset), Some(user))
            .await
    }

    /// The article `slug` names, with its body, as `viewer` sees it; 404 if
    /// there is none (the slug's title part must match too).
    pub async fn article(
        &self,
        slug: &str,
        viewer: Option<&AuthUser>,
    ) -> Result<Article, ServiceError> {
        let article = self.shared_article(slug).await?;
        let mut page = self
            .as_seen_by(
                ArticlePage {
                    articles: vec![article],
                    count: 1,
                },
                viewer,
            )
            .await?;
        Ok(page.articles.remove(0))
    }

    /// The article `slug` names as every reader sees it (cached; 1 statement
    /// on a miss).
    pub(super) async fn shared_article(&self, slug: &str) -> Result<Article, ServiceError> {
        let not_found = || ServiceError::NoSuch("article");
        let id = id_of(slug).ok_or_else(not_found)?;
        let key = CacheKey::new("article").arg("id", id);
        let tags = [cache_tags::post(id), cache_tags::profiles()];
        let found: Option<Article> = self
            .cache
            .cached(&key, ARTICLES_TTL, &tags, || async {
                let row = article::find_article(&self.db, id).await?;
                Ok::<_, ServiceError>(row.map(Article::from))
            })
            .await?;
        found.filter(|a| a.slug == slug).ok_or_else(not_found)
    }

    /// The page (`limit`, `offset`) of the posts `filter` selects, shared
    /// by every reader under `key` and `tags`, then as `viewer` sees it.
    async fn article_page(
        &self,
        key: &CacheKey,
        tags: &[Tag],
        filter: PostFilter,
        (limit, offset): (u64, u64),
        viewer: Option<&AuthUser>,
    ) -> Result<ArticlePage, ServiceError> {
        let page = self
            .cache
            .cached_for(key, page_ttl, tags, || {
                self.load_articles(filter, limit, offset)
            })
            .await?;
        self.as_seen_by(page, viewer).await
    }

    /// The page of the posts `filter` selects, with their number: 1
    /// statement (2 for an empty page past the first, which counts apart).
    async fn load_articles(
        &self,
        filter: PostFilter,
        limit: u64,
        offset: u64,
    ) -> Result<ArticlePage, ServiceError> {
        let query = post::posts(&self.db).filter(filter);
        let window = query.articles(offset, limit).await?;
        let count = match window.total {
            Some(total) => total,
            None if offset == 0 => 0,
            None => query.count().await?,
        };
        Ok(ArticlePage {
            articles: window.articles.into_iter().map(Article::from).collect(),
            count,
        })
    }

    /// `page` with the reader's likes and follows marked (cached per reader;
    /// 1 statement on a miss, none for an anonymous reader or an empty page).
    async fn as_seen_by(
        &self,
        mut page: ArticlePage,
        viewer: Option<&AuthUser>,
    ) -> Result<ArticlePage, ServiceError> {
        let Some(viewer) = viewer.filter(|_| !page.articles.is_empty()) else {
            return Ok(page);
        };
        let mut posts: Vec<i32> = page.articles.iter().map(|a| a.id).collect();
        let mut authors: Vec<i32> = page.articles.iter().map(|a| a.author.id).collect();
        posts.sort_unstable();
        authors.sort_unstable();
        authors.dedup();
        let key = CacheKey::new("viewer")
            .arg("user", viewer.id)
            .arg("posts", join(&posts))
            .arg("authors", join(&authors));
        let tags: [Tag; 2] = [
            cache_tags::likes_of(viewer.id),
            cache_tags::follows_of(viewer.id),
        ];
        let state: ViewerState = self
            .cache
            .cached(&key, VIEWER_TTL, &tags, || async {
                let (liked, followed) =
                    article::viewer_state(&self.db, viewer.id, &posts, &authors).await?;
                Ok::<_, ServiceError>(ViewerState {
                    liked: liked.into_iter().collect(),
                    followed: followed.into_iter().collect(),
                })
            })
            .await?;
        for article in &mut page.articles {
            article.favorited = state.liked.contains(&article.id);
            article.author.following = state.followed.contains(&article.author.id);
        }
        Ok(page)
    }
}

/// An empty page is kept briefly: anyone can ask for endless filters that
/// match nothing.
fn page_ttl(page: &ArticlePage) -> Duration {
    if page.articles.is_empty() {
        MISSING_TTL
    } else {
        ARTICLES_TTL
    }
}

/// `limit`, or 400 for a limit outside 1..=[`MAX_LIMIT`] or an offset past
/// [`MAX_OFFSET`].
fn check_page(limit: u64, offset: u64) -> Result<u64, ServiceError> {
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ServiceError::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    if offset > MAX_OFFSET {
        return Err(ServiceError::BadRequest(format!(
            "offset must be at most {MAX_OFFSET}"
        )));
    }
    Ok(limit)
}

fn join(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}
