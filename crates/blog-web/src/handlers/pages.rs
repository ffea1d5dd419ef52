//! The HTML pages of routes.md.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use blog_services::pagination::PageNumber;

use super::{ListParams, SearchParams, page_links, parse_post_id};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{HTML, PostDetailPage, PostListPage, SearchPage, rendered_html, send};

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
    let page = state
        .posts
        .list(&request, "html", |listing| {
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
            let empty = listing.posts.count == 0;
            rendered_html(&PostListPage::new(listing, links), empty)
        })
        .await?;
    Ok(send(page, HTML))
}

/// `GET /blog/{id}/`.
pub async fn post_detail(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = state
        .posts
        .detail(parse_post_id(&id)?, "html", |post| {
            rendered_html(&PostDetailPage { post }, false)
        })
        .await?;
    Ok(send(page, HTML))
}

/// `GET /search/?q=TERM&page=N`.
pub async fn search(
    state: web::Data<AppState>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let page = PageNumber::parse(params.page.as_deref())?;
    let query = params.q.as_deref().unwrap_or("");
    let rendered = state
        .posts
        .search(query, page, "html", |results| {
            let links = page_links(
                "/search/",
                results.page,
                None,
                results.has_next,
                &[("q", Some(results.query.clone()))],
            );
            let view = SearchPage {
                results,
                previous_url: links.previous_url,
                next_url: links.next_url,
                position: links.position,
            };
            rendered_html(&view, results.posts.is_empty())
        })
        .await?;
    Ok(send(rendered, HTML))
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
