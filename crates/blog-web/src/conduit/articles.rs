//! `/articles`, `/articles/feed`, `/articles/{slug}` and its `/favorite`,
//! and `/tags`: the blog's posts as the RealWorld API shows them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use blog_services::posts::ArticleQuery;
use blog_services::posts::articles::DEFAULT_LIMIT;
use serde::Deserialize;

use super::auth::{Reader, SignedIn};
use super::error::ConduitError;
use super::wire::{ArticleEnvelope, ArticleIn, ArticleOut, ArticlesOut, TagsOut};
use super::{body, ok};
use crate::state::AppState;

/// The query of a list of articles.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    tag: Option<String>,
    author: Option<String>,
    favorited: Option<String>,
    limit: Option<u64>,
    offset: Option<u64>,
}

/// The query of a feed.
#[derive(Debug, Deserialize)]
pub struct FeedParams {
    limit: Option<u64>,
    offset: Option<u64>,
}

/// `GET /articles?tag=&author=&favorited=&limit=&offset=`.
pub async fn list(
    state: web::Data<AppState>,
    reader: Reader,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ConduitError> {
    let params = params.into_inner();
    let query = ArticleQuery {
        tag: params.tag,
        author: params.author,
        favorited: params.favorited,
        limit: params.limit.unwrap_or(DEFAULT_LIMIT),
        offset: params.offset.unwrap_or(0),
    };
    let page = state.posts.articles(&query, reader.0.as_ref()).await?;
    ok(ArticlesOut::from(page))
}

/// `GET /articles/feed?limit=&offset=`.
pub async fn feed(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    params: web::Query<FeedParams>,
) -> Result<HttpResponse, ConduitError> {
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    let offset = params.offset.unwrap_or(0);
    let page = state.posts.feed(&signed_in.user, limit, offset).await?;
    ok(ArticlesOut::from(page))
}

/// `GET /articles/{slug}`.
pub async fn article(
    state: web::Data<AppState>,
    reader: Reader,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    let article = state.posts.article(&slug, reader.0.as_ref()).await?;
    ok(ArticleEnvelope {
        article: ArticleOut::from(article),
    })
}

/// `POST /articles`: 201 with the article.
pub async fn create(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: ArticleEnvelope<ArticleIn> = body(&state, &req, payload).await?;
    let article = state
        .posts
        .create_article(&signed_in.user, &form.article.into())
        .await?;
    Ok(
        HttpResponse::build(StatusCode::CREATED).json(ArticleEnvelope {
            article: ArticleOut::from(article),
        }),
    )
}

/// `PUT /articles/{slug}`: its author only.
pub async fn update(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    slug: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: ArticleEnvelope<ArticleIn> = body(&state, &req, payload).await?;
    let article = state
        .posts
        .update_article(&signed_in.user, &slug, &form.article.into())
        .await?;
    ok(ArticleEnvelope {
        article: ArticleOut::from(article),
    })
}

/// `DELETE /articles/{slug}`: its author only; 204.
pub async fn delete(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    state.posts.delete_article(&signed_in.user, &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /articles/{slug}/favorite`.
pub async fn favorite(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    liking(&state, &signed_in, &slug, true).await
}

/// `DELETE /articles/{slug}/favorite`.
pub async fn unfavorite(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    liking(&state, &signed_in, &slug, false).await
}

async fn liking(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    liked: bool,
) -> Result<HttpResponse, ConduitError> {
    let article = state.posts.favorite(&signed_in.user, slug, liked).await?;
    ok(ArticleEnvelope {
        article: ArticleOut::from(article),
    })
}

/// `GET /tags`.
pub async fn tags(state: web::Data<AppState>) -> Result<HttpResponse, ConduitError> {
    let tags = state.posts.tag_names().await?;
    ok(TagsOut { tags })
}
