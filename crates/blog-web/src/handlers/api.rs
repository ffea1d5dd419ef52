//! The JSON twins of the pages (`/api/posts/`), annotated for OpenAPI.

use actix_web::{HttpResponse, web};
use blog_repositories::post::{PostCard, PostDetail};
use serde::Serialize;

use super::{ListParams, parse_post_id};
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

/// A page of posts as JSON.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PostListBody {
    /// 1-based page number.
    pub page: u64,
    /// How many pages there are.
    pub pages: u64,
    /// How many posts there are on all pages.
    pub count: u64,
    pub results: Vec<PostCard>,
}

/// The list page's data: 20 posts a page, newest first, each with its author,
/// category, tags, counts, read time and 5 newest approved comments.
#[utoipa::path(
    get,
    path = "/api/posts/",
    tag = "posts",
    params(ListParams),
    responses(
        (status = 200, description = "A page of posts", body = PostListBody),
        (status = 400, description = "A malformed page or category", body = ErrorBody),
        (status = 404, description = "A page past the last", body = ErrorBody),
    )
)]
pub async fn post_list(
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let listing = state.posts.list(&params.to_request()?).await?;
    let page = listing.posts;
    Ok(HttpResponse::Ok().json(PostListBody {
        page: page.page,
        pages: page.pages,
        count: page.count,
        results: page.items,
    }))
}

/// One post in full, with every approved comment.
#[utoipa::path(
    get,
    path = "/api/posts/{id}/",
    tag = "posts",
    params(("id" = i32, Path, description = "The post's id")),
    responses(
        (status = 200, description = "The post", body = PostDetail),
        (status = 404, description = "No such post", body = ErrorBody),
    )
)]
pub async fn post_detail(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let post = state.posts.detail(parse_post_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(post))
}
