//! Reading posts: the list (with filters), one post, and search.

use blog_repositories::DatabaseConnection;
use blog_repositories::category;
use blog_repositories::post::{PostCard, PostDetail, PostFilter, PostRepository};
use serde::{Deserialize, Serialize};

use crate::ServiceError;
use crate::pagination::{PAGE_SIZE, Page, PageNumber};

/// The longest search query accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// What the list page asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListRequest {
    pub page: PageNumber,
    pub category_id: Option<i32>,
    pub tag: Option<String>,
}

/// A category, as the navigation shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CategoryRef {
    pub id: i32,
    pub name: String,
}

/// One page of the post list, with what the page around it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostListing {
    pub posts: Page<PostCard>,
    /// Every category, for the navigation.
    pub categories: Vec<CategoryRef>,
    /// The category filtered on, if any.
    pub category: Option<CategoryRef>,
    /// The tag filtered on, if any.
    pub tag: Option<String>,
}

/// One page of search results. Search pages are not counted: counting every match
/// would make a common word cost more than a rare one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The query as searched (trimmed); empty means no search was made.
    pub query: String,
    pub posts: Vec<PostCard>,
    pub page: u64,
    pub has_next: bool,
}

/// Reads posts for the pages and the JSON API.
#[derive(Debug, Clone)]
pub struct PostService {
    db: DatabaseConnection,
    posts: PostRepository,
}

impl PostService {
    /// A service over the pool `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        PostService {
            posts: PostRepository::new(db.clone()),
            db,
        }
    }

    /// A page of posts, newest first, optionally narrowed to a category or a tag,
    /// in 5 statements (categories, count, cards, tags, comments).
    pub async fn list(&self, request: &ListRequest) -> Result<PostListing, ServiceError> {
        let categories: Vec<CategoryRef> = category::all(&self.db)
            .await?
            .into_iter()
            .map(|c| CategoryRef {
                id: c.id,
                name: c.name,
            })
            .collect();
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
        let posts = self.page(filter, request.page).await?;
        Ok(PostListing {
            posts,
            categories,
            category,
            tag: request.tag.clone(),
        })
    }

    /// A counted page of the posts `filter` selects; 404 past the last page.
    pub async fn page(
        &self,
        filter: PostFilter,
        page: PageNumber,
    ) -> Result<Page<PostCard>, ServiceError> {
        let query = self.posts.posts().filter(filter);
        let count = query.count().await?;
        let pages = Page::<PostCard>::pages_for(count);
        if page.get() > pages {
            return Err(ServiceError::NotFound(format!(
                "page {} does not exist (there are {pages})",
                page.get()
            )));
        }
        let items = query
            .with_related_data()
            .fetch(page.offset(), PAGE_SIZE)
            .await?;
        Ok(Page {
            items,
            page: page.get(),
            pages,
            count,
        })
    }

    /// One post in full, in 3 statements; 404 if it does not exist.
    pub async fn detail(&self, id: i32) -> Result<PostDetail, ServiceError> {
        self.posts
            .find_detail(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("post {id} does not exist")))
    }

    /// Posts matching every word of `query`, newest first, 20 a page, in 3
    /// statements whatever the number of matches. An empty query searches nothing.
    pub async fn search(
        &self,
        query: &str,
        page: PageNumber,
    ) -> Result<SearchResults, ServiceError> {
        let query = query.trim();
        if query.chars().count() > MAX_SEARCH_CHARS {
            return Err(ServiceError::BadRequest(format!(
                "the search query is longer than {MAX_SEARCH_CHARS} characters"
            )));
        }
        if query.is_empty() {
            return Ok(SearchResults {
                query: String::new(),
                posts: Vec::new(),
                page: page.get(),
                has_next: false,
            });
        }
        // One extra row tells whether a next page exists, without counting.
        let mut posts = self
            .posts
            .posts()
            .matching(query)
            .with_related_data()
            .fetch(page.offset(), PAGE_SIZE + 1)
            .await?;
        if posts.is_empty() && page.get() > 1 {
            return Err(ServiceError::NotFound(format!(
                "page {} of this search does not exist",
                page.get()
            )));
        }
        let has_next = posts.len() as u64 > PAGE_SIZE;
        posts.truncate(PAGE_SIZE as usize);
        Ok(SearchResults {
            query: query.to_owned(),
            posts,
            page: page.get(),
            has_next,
        })
    }
}
