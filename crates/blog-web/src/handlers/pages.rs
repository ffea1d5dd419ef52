//! The HTML pages of routes.md.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use blog_services::pagination::PageNumber;

use super::{ListParams, SearchParams, page_links, parse_post_id};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{PostDetailPage, PostListPage, SearchPage, html};

/// `GET /`: the posts are the home page.
pub async fn home() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/blog/"))
        .finish()
}

/// `GET /blog/?page=N&category=ID&tag=NAME`.
pub async fn post_list(
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let request = params.to_request()?;
    let listing = state.posts.list(&request).await?;
    let links = page_links(
        "/blog/",
        listing.posts.page,
        Some(listing.posts.pages),
        listing.posts.has_next(),
        &[
            ("category", request.category_id.map(|c| c.to_string())),
            ("tag", request.tag.clone()),
        ],
    );
    html(&PostListPage::new(&listing, links))
}

/// `GET /blog/{id}/`.
pub async fn post_detail(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let post = state.posts.detail(parse_post_id(&id)?).await?;
    html(&PostDetailPage { post: &post })
}

/// `GET /search/?q=TERM&page=N`.
pub async fn search(
    state: web::Data<AppState>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let page = PageNumber::parse(params.page.as_deref())?;
    let results = state
        .posts
        .search(params.q.as_deref().unwrap_or(""), page)
        .await?;
    let links = page_links(
        "/search/",
        results.page,
        None,
        results.has_next,
        &[("q", Some(results.query.clone()))],
    );
    html(&SearchPage {
        results: &results,
        previous_url: links.previous_url,
        next_url: links.next_url,
        position: links.position,
    })
}

/// Anything unrouted: a path missing its trailing slash is redirected (308) to
/// the route it names; the rest is 404.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let path = req.path();
    if !path.ends_with('/') {
        let with_slash = format!("{path}/");
        if req.resource_map().has_resource(&with_slash) {
            let location = match req.query_string() {
                "" => with_slash,
                query => format!("{with_slash}?{query}"),
            };
            return Ok(HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, location))
                .finish());
        }
    }
    Err(AppError::NotFound(format!("nothing at {path}")))
}
