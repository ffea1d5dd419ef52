//! Posts: the cached reads behind the pages (list with filters, one post,
//! search) and the writes of the API, each invalidating exactly what it changed
//! after its transaction commits.

use std::collections::BTreeMap;
use std::time::Duration;

use blog_repositories::database::{begin, commit};
use blog_repositories::post::{PostCard, PostDetail, PostFilter, PostRepository};
use blog_repositories::post_write::{self, PostFields, PostOwnership};
use blog_repositories::{DatabaseConnection, category, comment, like};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ServiceError;
use crate::analytics::Analytics;
use crate::auth::AuthUser;
use crate::cache::{Cache, CacheKey, Tag};
use crate::pagination::{PAGE_SIZE, Page, PageNumber};

/// The longest search query accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;
/// Title length bounds, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The largest post content, in bytes.
pub const MAX_CONTENT_BYTES: usize = 100 * 1024;
/// The largest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;
/// Tags per post, and characters per tag name.
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 50;

/// How long cached pages live (correctness comes from tag versions, not TTLs).
const LIST_TTL: Duration = Duration::from_secs(300);
const DETAIL_TTL: Duration = Duration::from_secs(300);
const SEARCH_TTL: Duration = Duration::from_secs(30);
const QUERY_TTL: Duration = Duration::from_secs(600);

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

/// A post as a client writes it; every field is checked by the service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct PostInput {
    pub title: Option<String>,
    pub content: Option<String>,
    pub category_id: Option<i64>,
    /// Tag names; unknown ones are created. Omitted on update: tags unchanged.
    pub tags: Option<Vec<String>>,
}

/// Whether the user likes the post now, and how many do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LikeState {
    pub post_id: i32,
    pub liked: bool,
    pub like_count: i64,
}

/// A comment as its author and the post's author see it (approved or not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CommentState {
    pub id: i32,
    pub post_id: i32,
    pub author_id: i32,
    pub content: String,
    pub is_approved: bool,
    pub created_at: DateTime<Utc>,
}

/// Reads and writes posts for the pages and the JSON API.
#[derive(Debug, Clone)]
pub struct PostService {
    db: DatabaseConnection,
    posts: PostRepository,
    cache: Cache,
    analytics: Analytics,
}

impl PostService {
    /// A service over the pool `db`, caching in `cache`, counting new posts in `analytics`.
    pub fn new(db: DatabaseConnection, cache: Cache, analytics: Analytics) -> Self {
        PostService {
            posts: PostRepository::new(db.clone()),
            db,
            cache,
            analytics,
        }
    }

    /// A page of posts, newest first, optionally narrowed to a category or a tag.
    /// Cached: 0 statements on a hit; on a miss 5 (categories, count, cards, tags,
    /// comments), fewer when the query cache has the categories or the count.
    pub async fn list(&self, request: &ListRequest) -> Result<PostListing, ServiceError> {
        let key = CacheKey::new("list")
            .arg("page", request.page.get())
            .opt("category", request.category_id)
            .opt("tag", request.tag.as_deref());
        self.cache
            .cached(&key, LIST_TTL, &[Tag::posts()], || self.load_list(request))
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
        let posts = self.page(filter, request.page).await?;
        Ok(PostListing {
            posts,
            categories,
            category,
            tag: request.tag.clone(),
        })
    }

    /// Every category (query-cached: categories change only by migration).
    async fn categories(&self) -> Result<Vec<CategoryRef>, ServiceError> {
        let statement = category::all_statement(&self.db);
        self.cache
            .query(&statement, &["categories"], QUERY_TTL, || async {
                let all = category::all(&self.db).await?;
                Ok::<_, ServiceError>(
                    all.into_iter()
                        .map(|c| CategoryRef {
                            id: c.id,
                            name: c.name,
                        })
                        .collect(),
                )
            })
            .await
    }

    /// A counted page of the posts `filter` selects; 404 past the last page.
    pub async fn page(
        &self,
        filter: PostFilter,
        page: PageNumber,
    ) -> Result<Page<PostCard>, ServiceError> {
        let query = self.posts.posts().filter(filter);
        let count: u64 = self
            .cache
            .query(
                &query.count_statement(),
                query.tables(),
                QUERY_TTL,
                || async { Ok::<_, ServiceError>(query.count().await?) },
            )
            .await?;
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

    /// One post in full (cached; 3 statements on a miss); 404 if it does not exist.
    pub async fn detail(&self, id: i32) -> Result<PostDetail, ServiceError> {
        let key = CacheKey::new("post").arg("id", id);
        let found: Option<PostDetail> = self
            .cache
            .cached(&key, DETAIL_TTL, &[Tag::post(id)], || async {
                Ok::<_, ServiceError>(self.posts.find_detail(id).await?)
            })
            .await?;
        found.ok_or_else(|| ServiceError::NotFound(format!("post {id} does not exist")))
    }

    /// Posts matching every word of `query`, newest first, 20 a page: cached
    /// briefly, 3 statements on a miss whatever the number of matches. An empty
    /// query searches nothing.
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
        let key = CacheKey::new("search")
            .arg("q", query)
            .arg("page", page.get());
        self.cache
            .cached(&key, SEARCH_TTL, &[Tag::posts()], || {
                self.load_search(query, page)
            })
            .await
    }

    async fn load_search(
        &self,
        query: &str,
        page: PageNumber,
    ) -> Result<SearchResults, ServiceError> {
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

    /// Publishes a post by `user`; returns it as the detail view shows it.
    pub async fn create(
        &self,
        user: &AuthUser,
        input: &PostInput,
    ) -> Result<PostDetail, ServiceError> {
        let valid = self.validate(input).await?;
        let txn = begin(&self.db).await?;
        let id = post_write::create(&txn, user.id, valid.fields.clone(), Utc::now()).await?;
        post_write::set_tag_names(&txn, id, valid.tags.as_deref().unwrap_or_default()).await?;
        commit(txn).await?;

        let mut tags = write_tags(
            id,
            user.id,
            &[valid.fields.category_id],
            valid.tags.iter().flatten(),
        );
        tags.extend([
            Tag::table("posts"),
            Tag::table("post_tags"),
            Tag::table("tags"),
        ]);
        self.cache.invalidate_tags(&tags).await;
        self.analytics.new_post();
        self.detail(id).await
    }

    /// Replaces the fields of post `id` (its author only); tags only if given.
    pub async fn update(
        &self,
        user: &AuthUser,
        id: i32,
        input: &PostInput,
    ) -> Result<PostDetail, ServiceError> {
        let owner = self.owned_by(user, id).await?;
        let valid = self.validate(input).await?;
        let txn = begin(&self.db).await?;
        post_write::update(&txn, id, valid.fields.clone(), Utc::now()).await?;
        if let Some(names) = &valid.tags {
            post_write::set_tag_names(&txn, id, names).await?;
        }
        commit(txn).await?;

        let names = owner.tags.iter().chain(valid.tags.iter().flatten());
        let mut tags = write_tags(
            id,
            owner.user_id,
            &[owner.category_id, valid.fields.category_id],
            names,
        );
        tags.extend([
            Tag::table("posts"),
            Tag::table("post_tags"),
            Tag::table("tags"),
        ]);
        self.cache.invalidate_tags(&tags).await;
        self.detail(id).await
    }

    /// Deletes post `id` with its comments and likes (its author only).
    pub async fn delete(&self, user: &AuthUser, id: i32) -> Result<(), ServiceError> {
        let owner = self.owned_by(user, id).await?;
        post_write::delete(&self.db, id).await?;
        let mut tags = write_tags(id, owner.user_id, &[owner.category_id], owner.tags.iter());
        tags.extend(["posts", "post_tags", "comments", "likes"].map(Tag::table));
        self.cache.invalidate_tags(&tags).await;
        Ok(())
    }

    /// `user` likes post `id`; liking twice changes nothing.
    pub async fn like(&self, user: &AuthUser, id: i32) -> Result<LikeState, ServiceError> {
        self.require_post(id).await?;
        let changed = like::add(&self.db, id, user.id, Utc::now()).await?;
        self.after_like(id, changed, true).await
    }

    /// `user` no longer likes post `id`; unliking twice changes nothing.
    pub async fn unlike(&self, user: &AuthUser, id: i32) -> Result<LikeState, ServiceError> {
        self.require_post(id).await?;
        let changed = like::remove(&self.db, id, user.id).await?;
        self.after_like(id, changed, false).await
    }

    async fn after_like(
        &self,
        id: i32,
        changed: bool,
        liked: bool,
    ) -> Result<LikeState, ServiceError> {
        if changed {
            self.cache
                .invalidate_tags(&[Tag::posts(), Tag::post(id), Tag::table("likes")])
                .await;
        }
        Ok(LikeState {
            post_id: id,
            liked,
            like_count: like::count(&self.db, id).await?,
        })
    }

    /// A comment by `user` on post `post_id`, waiting for the post author's
    /// approval: no page shows it yet, so no cached page changes.
    pub async fn comment(
        &self,
        user: &AuthUser,
        post_id: i32,
        content: Option<&str>,
    ) -> Result<CommentState, ServiceError> {
        let content = content.map(str::trim).unwrap_or_default();
        let problem = if content.is_empty() {
            Some("must not be empty".to_owned())
        } else if content.chars().count() > MAX_COMMENT_CHARS {
            Some(format!("must be at most {MAX_COMMENT_CHARS} characters"))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(ServiceError::Invalid(BTreeMap::from([(
                "content", problem,
            )])));
        }
        self.require_post(post_id).await?;
        let stored = comment::create(&self.db, post_id, user.id, content, Utc::now()).await?;
        self.cache.invalidate_tag(&Tag::table("comments")).await;
        Ok(comment_state(stored))
    }

    /// Approves comment `id` (the post's author only); approving twice changes nothing.
    pub async fn approve(&self, user: &AuthUser, id: i32) -> Result<CommentState, ServiceError> {
        let (mut stored, post_author) = comment::find_with_post_author(&self.db, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("comment {id} does not exist")))?;
        if post_author != user.id {
            return Err(ServiceError::Forbidden(
                "only the post's author may approve its comments".into(),
            ));
        }
        if !stored.is_approved {
            comment::approve(&self.db, id).await?;
            stored.is_approved = true;
            self.cache
                .invalidate_tags(&[
                    Tag::posts(),
                    Tag::post(stored.post_id),
                    Tag::table("comments"),
                ])
                .await;
        }
        Ok(comment_state(stored))
    }

    /// 404 unless post `id` exists.
    async fn require_post(&self, id: i32) -> Result<(), ServiceError> {
        if post_write::exists(&self.db, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!("post {id} does not exist")))
        }
    }

    /// The post's ownership if `user` wrote it; 404 if absent, 403 if not theirs.
    async fn owned_by(&self, user: &AuthUser, id: i32) -> Result<PostOwnership, ServiceError> {
        let owner = post_write::find_ownership(&self.db, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("post {id} does not exist")))?;
        if owner.user_id != user.id {
            return Err(ServiceError::Forbidden(
                "only the post's author may change it".into(),
            ));
        }
        Ok(owner)
    }

    /// Checks every field, reporting all problems at once (422).
    async fn validate(&self, input: &PostInput) -> Result<ValidPost, ServiceError> {
        let mut problems: BTreeMap<&'static str, String> = BTreeMap::new();
        let title = input.title.as_deref().map(str::trim).unwrap_or_default();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            problems.insert(
                "title",
                format!("must be 1 to {MAX_TITLE_CHARS} characters"),
            );
        }
        let content = input.content.as_deref().unwrap_or_default();
        if content.trim().is_empty() {
            problems.insert("content", "must not be empty".into());
        } else if content.len() > MAX_CONTENT_BYTES {
            problems.insert(
                "content",
                format!("must be at most {} KB", MAX_CONTENT_BYTES / 1024),
            );
        }
        let category_id = match input.category_id.map(i32::try_from) {
            None => {
                problems.insert("category_id", "is required".into());
                0
            }
            Some(Ok(id)) if category::exists(&self.db, id).await? => id,
            Some(_) => {
                problems.insert("category_id", "no category has this id".into());
                0
            }
        };
        let tags = match &input.tags {
            None => None,
            Some(names) => {
                let mut clean: Vec<String> = names.iter().map(|n| n.trim().to_owned()).collect();
                clean.sort();
                clean.dedup();
                if clean.len() > MAX_TAGS {
                    problems.insert("tags", format!("at most {MAX_TAGS} tags"));
                } else if clean
                    .iter()
                    .any(|n| n.is_empty() || n.chars().count() > MAX_TAG_CHARS)
                {
                    problems.insert(
                        "tags",
                        format!("each tag must be 1 to {MAX_TAG_CHARS} characters"),
                    );
                }
                Some(clean)
            }
        };
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        Ok(ValidPost {
            fields: PostFields {
                category_id,
                title: title.to_owned(),
                word_count: content
                    .split_whitespace()
                    .count()
                    .try_into()
                    .unwrap_or(i32::MAX),
                content: content.to_owned(),
            },
            tags,
        })
    }
}

/// A [`PostInput`] that passed validation.
struct ValidPost {
    fields: PostFields,
    tags: Option<Vec<String>>,
}

/// The tags a write to post `id` by `author` touches: every list, the post, the
/// author's stats, its categories and tag names.
fn write_tags<'a>(
    id: i32,
    author: i32,
    categories: &[i32],
    names: impl Iterator<Item = &'a String>,
) -> Vec<Tag> {
    let mut tags = vec![Tag::posts(), Tag::post(id), Tag::user(author)];
    tags.extend(categories.iter().map(|c| Tag::category(*c)));
    tags.extend(names.map(|n| Tag::tag_name(n)));
    tags.sort();
    tags.dedup();
    tags
}

fn comment_state(stored: blog_entities::comment::Model) -> CommentState {
    CommentState {
        id: stored.id,
        post_id: stored.post_id,
        author_id: stored.user_id,
        content: stored.content,
        is_approved: stored.is_approved,
        created_at: stored.created_at,
    }
}
