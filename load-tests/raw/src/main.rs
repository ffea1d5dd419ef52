//! The benchmark's yardstick: the blog's list, detail and search pages and its
//! stylesheet, served the way a careful hand-written server would, with no
//! ORM, cache or middleware: actix-web, tokio-postgres with every statement
//! prepared once per connection and the independent ones pipelined, askama.
//! It reads the blog's own schema and data, and counts the posts (and each
//! post's comments and likes) from the rows on every request, as a server
//! without counter caches must.
//!
//! Usage: `blog-raw` with `DATABASE_URL` (PostgreSQL) and `BIND`
//! (default `127.0.0.1:8090`); `RAW_CONNECTIONS` connections (default 4).
//! Not part of the service: `load-tests/bench.sh` runs it beside the service.

mod db;

use actix_web::http::header;
use actix_web::{App, HttpResponse, HttpServer, web};
use askama::Template;

use crate::db::{Card, Listing, PAGE_SIZE, Pool};

const STYLESHEET: &str = include_str!("../../../static/style.css");

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage<'a> {
    title: &'a str,
    listing: &'a Listing,
    page: i64,
    pages: i64,
}

#[derive(Template)]
#[template(path = "detail.html")]
struct DetailPage<'a> {
    title: &'a str,
    post: &'a Card,
    content: &'a str,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    title: &'a str,
    query: &'a str,
    cards: &'a [Card],
    page: i64,
    has_next: bool,
}

/// `?page=N&q=TERM`.
#[derive(serde::Deserialize)]
struct Params {
    page: Option<i64>,
    q: Option<String>,
}

impl Params {
    /// The page number, if it is at least 1.
    fn page(&self) -> Option<i64> {
        Some(self.page.unwrap_or(1)).filter(|page| *page >= 1)
    }
}

fn html(page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(error) => HttpResponse::InternalServerError().body(error.to_string()),
    }
}

fn failed(error: tokio_postgres::Error) -> HttpResponse {
    HttpResponse::InternalServerError().body(error.to_string())
}

async fn list(pool: web::Data<Pool>, params: web::Query<Params>) -> HttpResponse {
    let Some(page) = params.page() else {
        return HttpResponse::BadRequest().finish();
    };
    let listing = match pool.list(page).await {
        Ok(listing) => listing,
        Err(error) => return failed(error),
    };
    let pages = ((listing.count + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    if page > pages {
        return HttpResponse::NotFound().finish();
    }
    html(&ListPage {
        title: "All posts",
        listing: &listing,
        page,
        pages,
    })
}

async fn detail(pool: web::Data<Pool>, id: web::Path<i32>) -> HttpResponse {
    match pool.detail(id.into_inner()).await {
        Ok(Some((post, content))) => html(&DetailPage {
            title: &post.title,
            post: &post,
            content: &content,
        }),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(error) => failed(error),
    }
}

async fn search(pool: web::Data<Pool>, params: web::Query<Params>) -> HttpResponse {
    let Some(page) = params.page() else {
        return HttpResponse::BadRequest().finish();
    };
    let query = params.q.clone().unwrap_or_default();
    match pool.search(&query, page).await {
        Ok((cards, has_next)) => html(&SearchPage {
            title: &format!("Search: {query}"),
            query: &query,
            cards: &cards,
            page,
            has_next,
        }),
        Err(error) => failed(error),
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(STYLESHEET)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| std::io::Error::other("DATABASE_URL (postgres://...) is required"))?;
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8090".into());
    let size = std::env::var("RAW_CONNECTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4);
    let pool = Pool::connect(&url, size)
        .await
        .map_err(std::io::Error::other)?;
    let pool = web::Data::new(pool);
    HttpServer::new(move || {
        App::new()
            .app_data(pool.clone())
            .route("/blog/", web::get().to(list))
            .route("/blog/{id}/", web::get().to(detail))
            .route("/search/", web::get().to(search))
            .route("/static/style.css", web::get().to(stylesheet))
    })
    .bind(bind)?
    .run()
    .await
}
