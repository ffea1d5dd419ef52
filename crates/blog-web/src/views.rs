//! The askama views: one struct per page, templates under `templates/`
//! (auto-escaped), all extending `base.html`.

use actix_web::HttpResponse;
use actix_web::http::header;
use askama::Template;
use blog_services::posts::{PostDetail, PostListing, RenderedPage, SearchResults};
use serde::Serialize;

use crate::error::AppError;
use crate::http_cache;

/// `page` rendered once, to be cached as sent; `empty` if it shows nothing.
pub fn rendered_html(page: &impl Template, empty: bool) -> Result<RenderedPage, AppError> {
    Ok(stored(page.render()?.into_bytes(), empty))
}

/// `body` encoded once, to be cached as sent; `empty` if it shows nothing.
pub fn rendered_json(body: &impl Serialize, empty: bool) -> Result<RenderedPage, AppError> {
    Ok(stored(serde_json::to_vec(body)?, empty))
}

fn stored(body: Vec<u8>, empty: bool) -> RenderedPage {
    RenderedPage {
        etag: http_cache::etag_of(&body),
        body: body.into(),
        empty,
    }
}

/// The 200 response of a rendered page: its stored bytes and `ETag` (so the
/// validator is not computed again).
pub fn send(page: RenderedPage, content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::ETAG, page.etag))
        .body(page.body)
}

/// The content type of the HTML pages.
pub const HTML: &str = "text/html; charset=utf-8";
/// The content type of the JSON API.
pub const JSON: &str = "application/json";

/// Renders a page into a 200 HTML response.
pub fn html(page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// Links to the neighbouring pages of a list.
#[derive(Debug, Clone, Default)]
pub struct PageLinks {
    /// The previous page, if any.
    pub previous_url: Option<String>,
    /// The next page, if any.
    pub next_url: Option<String>,
    /// "Page 2 of 9", or "Page 2" where the total is not counted.
    pub position: String,
}

/// `/blog/`: a page of posts.
#[derive(Template)]
#[template(path = "post_list.html")]
pub struct PostListPage<'a> {
    /// The page's posts and navigation.
    pub listing: &'a PostListing,
    /// "Latest posts", "Rust posts tagged #async", ...
    pub heading: String,
    /// The category filtered on, highlighted in the navigation.
    pub current_category: Option<i32>,
    /// The previous page, if any.
    pub previous_url: Option<String>,
    /// The next page, if any.
    pub next_url: Option<String>,
    /// "Page 2 of 9".
    pub position: String,
}

impl<'a> PostListPage<'a> {
    /// The page for `listing`, with links that keep its filters.
    pub fn new(listing: &'a PostListing, links: PageLinks) -> Self {
        let heading = match (&listing.category, &listing.tag) {
            (Some(category), Some(tag)) => format!("{} posts tagged #{tag}", category.name),
            (Some(category), None) => format!("{} posts", category.name),
            (None, Some(tag)) => format!("Posts tagged #{tag}"),
            (None, None) => "Latest posts".to_owned(),
        };
        PostListPage {
            listing,
            heading,
            current_category: listing.category.as_ref().map(|c| c.id),
            previous_url: links.previous_url,
            next_url: links.next_url,
            position: links.position,
        }
    }
}

/// `/blog/{id}/`: one post in full.
#[derive(Template)]
#[template(path = "post_detail.html")]
pub struct PostDetailPage<'a> {
    /// The post.
    pub post: &'a PostDetail,
}

/// `/search/`: the form and a page of results.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage<'a> {
    /// The query and a page of matches.
    pub results: &'a SearchResults,
    /// The previous page, if any.
    pub previous_url: Option<String>,
    /// The next page, if any.
    pub next_url: Option<String>,
    /// "Page 2".
    pub position: String,
}

/// Any error, for people (programs get JSON).
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    /// The HTTP status.
    pub status: u16,
    /// Its reason phrase.
    pub title: &'a str,
    /// What went wrong, for a person.
    pub message: &'a str,
}

/// `/monitoring/login/`: the administrator's sign-in form.
#[derive(Template)]
#[template(path = "monitoring_login.html")]
pub struct MonitoringLoginPage {
    /// The last attempt was refused.
    pub failed: bool,
}

/// `/monitoring/`: the frame of the live charts (the script fills it).
#[derive(Template)]
#[template(path = "monitoring.html")]
pub struct MonitoringPage;
