//! The cached reads: a page of posts (optionally filtered), one post, search.
//! Each costs a fixed number of statements on a miss and none on a hit. What
//! is cached is the page as the caller renders it (a view: HTML or JSON), so
//! a hit is the stored bytes; the caller's `render` runs on a miss only.

use std::time::Duration;

use blog_repositories::category;
use blog_repositories::post::{self, PostFilter};

use super::PostService;
use super::model::{CategoryRef, PostCard, PostDetail, PostListing, RenderedPage, SearchResults};
use super::validation::{MAX_SEARCH_CHARS, MAX_TAG_CHARS, filter_text};
use crate::cache::CacheKey;
use crate::pagination::{PAGE_SIZE, Page, PageNumber};
use crate::{ServiceError, cache_tags};

/// How long cached pages live (correctness comes from tag versions, not TTLs).
const LIST_TTL: Duration = Duration::from_secs(300);
const DETAIL_TTL: Duration = Duration::from_secs(300);
const SEARCH_TTL: Duration = Duration::from_secs(30);
const QUERY_TTL: Duration = Duration::from_secs(600);
/// How long a missing post or an empty page is cached: anyone can ask for
/// endless ids and tags that do not exist, and each would be an entry.
const MISSING_TTL: Duration = Duration::from_secs(10);

/// What the list page asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    /// Which page.
    pub page: PageNumber,
    /// Only this category's posts.
    pub category_id: Option<i32>,
    /// Only posts with this tag.
    pub tag: Option<String>,
}

impl PostService {
    /// A page of posts, newest first, optionally narrowed to a category or a tag.
    /// Cached: 0 statements on a hit; on a miss 2 (the categories with their
    /// post counts, which are also the list's total, and the cards), 3 for a
    /// tag (its post count), fewer when the query cache has them.
    /// `view` names the rendering (its cache entry); `render` makes the page
    /// from the listing on a miss.
    pub async fn list<E: From<ServiceError>>(
        &self,
        request: &ListRequest,
        view: &'static str,
        render: impl FnOnce(&PostListing) -> Result<RenderedPage, E>,
    ) -> Result<RenderedPage, E> {
        if let Some(tag) = &request.tag {
            filter_text("tag", tag, MAX_TAG_CHARS)?;
        }
        let key = CacheKey::new("list")
            .arg("view", view)
            .arg("page", request.page.get())
            .opt("category", request.category_id)
            .opt("tag", request.tag.as_deref());
        let ttl = |page: &RenderedPage| if page.empty { MISSING_TTL } else { LIST_TTL };
        self.cache
            .cached_for(&key, ttl, &[cache_tags::posts()], || async {
                render(&self.load_list(request).await?)
            })
            .await
    }

    async fn load_list(&self, request: &ListRequest) -> Result<PostListing, ServiceError> {
        let categories = self.categories().await?;
        let category = match request.category_id {
            None => None,
            Some(id) => Some(
                categories
                    .iter()
                    .find(|c| c.id == id)
                    .cloned()
                    .ok_or_else(|| ServiceError::BadRequest(format!("unknown category {id}")))?,
            ),
        };
        let filter = PostFilter {
            category_id: request.category_id,
            tag: request.tag.clone(),
            ..PostFilter::default()
        };
        // The categories carry the totals of every list but a tag's.
        let total = match (&category, &request.tag) {
            (_, Some(_)) => None,
            (Some(category), None) => Some(category.post_count),
            (None, None) => Some(categories.iter().map(|c| c.post_count).sum()),
        };
        let posts = self.page(filter, total, request.page).await?;
        Ok(PostListing {
            posts,
            categories,
            category,
            tag: request.tag.clone(),
        })
    }

    /// Every category with its post count (query-cached: invalidated by any
    /// write that changes a count).
    async fn categories(&self) -> Result<Vec<CategoryRef>, ServiceError> {
        let statement = category::all_statement(&self.db);
        self.cache
            .query(&statement, &[category::table()], QUERY_TTL, || async {
                let all = category::all(&self.db).await?;
                Ok::<_, ServiceError>(
                    all.into_iter()
                        .map(|c| CategoryRef {
                            id: c.id,
                            name: c.name,
                            post_count: u64::try_from(c.post_count).unwrap_or(0),
                        })
                        .collect(),
                )
            })
            .await
    }

    /// A counted page of the posts `filter` selects (`total` of them, if
    /// known); 404 past the last page.
    async fn page(
        &self,
        filter: PostFilter,
        total: Option<u64>,
        page: PageNumber,
    ) -> Result<Page<PostCard>, ServiceError> {
        let query = post::posts(&self.db).filter(filter);
        let count: u64 = match total {
            Some(total) => total,
            None => {
                self.cache
                    .query(
                        &query.count_statement(),
                        &query.tables(),
                        QUERY_TTL,
                        || async { Ok::<_, ServiceError>(query.count().await?) },
                    )
                    .await?
            }
        };
        let pages = Page::<PostCard>::pages_for(count);
        if page.get() > pages {
            return Err(ServiceError::NotFound(format!(
                "page {} does not exist (there are {pages})",
                page.get()
            )));
        }
        let rows = query
            .with_related_data()
            .fetch(page.offset(), PAGE_SIZE)
            .await?;
        Ok(Page {
            items: rows.into_iter().map(PostCard::from).collect(),
            page: page.get(),
            pages,
            count,
        })
    }

    /// One post in full, rendered by `render` as `view` (cached; 1 statement
    /// on a miss); 404 if it does not exist.
    pub async fn detail<E: From<ServiceError>>(
        &self,
        id: i32,
        view: &'static str,
        render: impl FnOnce(&PostDetail) -> Result<RenderedPage, E>,
    ) -> Result<RenderedPage, E> {
        let key = CacheKey::new("post").arg("view", view).arg("id", id);
        let found: Option<RenderedPage> = self
            .cache
            .cached_for(&key, detail_ttl, &[cache_tags::post(id)], || async {
                let row = post::find_detail(&self.db, id)
                    .await
                    .map_err(ServiceError::from)?;
                row.map(|row| render(&PostDetail::from(row))).transpose()
            })
            .await?;
        found.ok_or_else(|| ServiceError::NotFound(format!("post {id} does not exist")).into())
    }

    /// Posts matching every word of `query`, newest first, 20 a page: cached
    /// briefly, 1 statement on a miss whatever the number of matches. An empty
    /// query searches nothing.
    /// `render` makes the page as `view` on a miss.
    pub async fn search<E: From<ServiceError>>(
        &self,
        query: &str,
        page: PageNumber,
        view: &'static str,
        render: impl FnOnce(&SearchResults) -> Result<RenderedPage, E>,
    ) -> Result<RenderedPage, E> {
        let query = filter_text("the search query", query.trim(), MAX_SEARCH_CHARS)?;
        if query.is_empty() {
            return render(&SearchResults {
                query: String::new(),
                posts: Vec::new(),
                page: page.get(),
                has_next: false,
            });
        }
        let key = CacheKey::new("search")
            .arg("view", view)
            .arg("q", query)
            .arg("page", page.get());
        let ttl = |page: &RenderedPage| if page.empty { MISSING_TTL } else { SEARCH_TTL };
        self.cache
            .cached_for(&key, ttl, &[cache_tags::posts()], || async {
                render(&self.load_search(query, page).await?)
            })
            .await
    }

    async fn load_search(
        &self,
        query: &str,
        page: PageNumber,
    ) -> Result<SearchResults, ServiceError> {
        // One extra row tells whether a next page exists, without counting.
        let mut rows = post::posts(&self.db)
            .matching(query)
            .with_related_data()
            .fetch(page.offset(), PAGE_SIZE + 1)
            .await?;
        if rows.is_empty() && page.get() > 1 {
            return Err(ServiceError::NotFound(format!(
                "page {} of this search does not exist",
                page.get()
            )));
        }
        let has_next = rows.len() as u64 > PAGE_SIZE;
        rows.truncate(PAGE_SIZE as usize);
        Ok(SearchResults {
            query: query.to_owned(),
            posts: rows.into_iter().map(PostCard::from).collect(),
            page: page.get(),
            has_next,
        })
    }
}

/// A post is cached for long, its absence briefly.
fn detail_ttl(found: &Option<RenderedPage>) -> Duration {
    if found.is_some() {
        DETAIL_TTL
    } else {
        MISSING_TTL
    }
}
