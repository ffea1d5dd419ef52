//! `/articles`, `/articles/feed`, `/articles/{slug}` and its `/favorite`,
//! and `/tags`: the blog's posts as the RealWorld API shows them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use blog_services::posts::ArticleQuery;
use blog_services::posts::articles::DEFAULT_LIMIT;

use super::auth::{Reader, SignedIn};
use super::error::{ConduitError, ConduitErrorBody};
use super::requests::{ArticleEditRequest, FeedParams, ListParams, NewArticleRequest};
use super::wire::{ArticleOut, ArticleResponse, ArticlesOut, TagsOut};
use super::{body, ok};
use crate::state::AppState;

/// `GET /articles?tag=&author=&favorited=&limit=&offset=`: newest first.
#[utoipa::path(
    get,
    path = "/conduit/api/articles",
    operation_id = "conduit_list_articles",
    tag = "conduit",
    security((), ("token" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "A page of articles (without their bodies) and how many the filters select", body = ArticlesOut),
        (status = 400, description = "A parameter that does not parse", body = ConduitErrorBody),
        (status = 401, description = "An unknown token (none is fine)", body = ConduitErrorBody),
        (status = 422, description = "A parameter out of range, too long or with NUL", body = ConduitErrorBody),
    )
)]
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

/// `GET /articles/feed?limit=&offset=`: the articles of the users the
/// reader follows, newest first.
#[utoipa::path(
    get,
    path = "/conduit/api/articles/feed",
    operation_id = "conduit_feed",
    tag = "conduit",
    security(("token" = [])),
    params(FeedParams),
    responses(
        (status = 200, description = "A page of the feed and its length", body = ArticlesOut),
        (status = 400, description = "A parameter that does not parse", body = ConduitErrorBody),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
        (status = 422, description = "A parameter out of range", body = ConduitErrorBody),
    )
)]
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
#[utoipa::path(
    get,
    path = "/conduit/api/articles/{slug}",
    operation_id = "conduit_article",
    tag = "conduit",
    security((), ("token" = [])),
    params(("slug" = String, Path, description = "The article's slug (its title's words, then its id)")),
    responses(
        (status = 200, description = "The article", body = ArticleResponse),
        (status = 401, description = "An unknown token (none is fine)", body = ConduitErrorBody),
        (status = 404, description = "No such article", body = ConduitErrorBody),
    )
)]
pub async fn article(
    state: web::Data<AppState>,
    reader: Reader,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    let article = state.posts.article(&slug, reader.0.as_ref()).await?;
    ok(ArticleResponse {
        article: ArticleOut::from(article),
    })
}

/// `POST /articles`: 201 with the article.
#[utoipa::path(
    post,
    path = "/conduit/api/articles",
    operation_id = "conduit_create_article",
    tag = "conduit",
    security(("token" = [])),
    request_body = NewArticleRequest,
    responses(
        (status = 201, description = "Published", body = ArticleResponse,
            links(
                ("GetArticle" = (operation_id = "conduit_article", parameters(("slug" = "$response.body#/article/slug")))),
                ("UpdateArticle" = (operation_id = "conduit_update_article", parameters(("slug" = "$response.body#/article/slug")))),
                ("DeleteArticle" = (operation_id = "conduit_delete_article", parameters(("slug" = "$response.body#/article/slug")))),
                ("FavoriteArticle" = (operation_id = "conduit_favorite", parameters(("slug" = "$response.body#/article/slug")))),
                ("UnfavoriteArticle" = (operation_id = "conduit_unfavorite", parameters(("slug" = "$response.body#/article/slug")))),
                ("AddComment" = (operation_id = "conduit_add_comment", parameters(("slug" = "$response.body#/article/slug")))),
                ("ListComments" = (operation_id = "conduit_comments", parameters(("slug" = "$response.body#/article/slug")))),
            )),
        (status = 400, description = "Malformed JSON, or a body that could not be read", body = ConduitErrorBody),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
        (status = 413, description = "Body over 1 MB", body = ConduitErrorBody),
        (status = 415, description = "Not JSON", body = ConduitErrorBody),
        (status = 422, description = "Invalid fields, each named", body = ConduitErrorBody),
    )
)]
pub async fn create(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: NewArticleRequest = body(&state, &req, payload).await?;
    let article = state
        .posts
        .create_article(&signed_in.user, &form.article.into())
        .await?;
    Ok(
        HttpResponse::build(StatusCode::CREATED).json(ArticleResponse {
            article: ArticleOut::from(article),
        }),
    )
}

/// `PUT /articles/{slug}`: its author only.
#[utoipa::path(
    put,
    path = "/conduit/api/articles/{slug}",
    operation_id = "conduit_update_article",
    tag = "conduit",
    security(("token" = [])),
    params(("slug" = String, Path, description = "The article's slug (its title's words, then its id)")),
    request_body = ArticleEditRequest,
    responses(
        (status = 200, description = "Edited", body = ArticleResponse),
        (status = 400, description = "Malformed JSON, or a body that could not be read", body = ConduitErrorBody),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
        (status = 403, description = "Not the article's author", body = ConduitErrorBody),
        (status = 404, description = "No such article", body = ConduitErrorBody),
        (status = 413, description = "Body over 1 MB", body = ConduitErrorBody),
        (status = 415, description = "Not JSON", body = ConduitErrorBody),
        (status = 422, description = "Invalid fields, each named", body = ConduitErrorBody),
    )
)]
pub async fn update(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    slug: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: ArticleEditRequest = body(&state, &req, payload).await?;
    let article = state
        .posts
        .update_article(&signed_in.user, &slug, &form.article.into())
        .await?;
    ok(ArticleResponse {
        article: ArticleOut::from(article),
    })
}

/// `DELETE /articles/{slug}`: its author only; 204.
#[utoipa::path(
    delete,
    path = "/conduit/api/articles/{slug}",
    operation_id = "conduit_delete_article",
    tag = "conduit",
    security(("token" = [])),
    params(("slug" = String, Path, description = "The article's slug (its title's words, then its id)")),
    responses(
        (status = 204, description = "Deleted, with its comments and likes"),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
        (status = 403, description = "Not the article's author", body = ConduitErrorBody),
        (status = 404, description = "No such article", body = ConduitErrorBody),
    )
)]
pub async fn delete(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    state.posts.delete_article(&signed_in.user, &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /articles/{slug}/favorite`.
#[utoipa::path(
    post,
    path = "/conduit/api/articles/{slug}/favorite",
    operation_id = "conduit_favorite",
    tag = "conduit",
    security(("token" = [])),
    params(("slug" = String, Path, description = "The article's slug (its title's words, then its id)")),
    responses(
        (status = 200, description = "Liked (already liked is fine)", body = ArticleResponse),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
        (status = 404, description = "No such article", body = ConduitErrorBody),
    )
)]
pub async fn favorite(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    liking(&state, &signed_in, &slug, true).await
}

/// `DELETE /articles/{slug}/favorite`.
#[utoipa::path(
    delete,
    path = "/conduit/api/articles/{slug}/favorite",
    operation_id = "conduit_unfavorite",
    tag = "conduit",
    security(("token" = [])),
    params(("slug" = String, Path, description = "The article's slug (its title's words, then its id)")),
    responses(
        (status = 200, description = "No longer liked (not liked is fine)", body = ArticleResponse),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
        (status = 404, description = "No such article", body = ConduitErrorBody),
    )
)]
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
    ok(ArticleResponse {
        article: ArticleOut::from(article),
    })
}

/// `GET /tags`: every tag name, alphabetical.
#[utoipa::path(
    get,
    path = "/conduit/api/tags",
    operation_id = "conduit_tags",
    tag = "conduit",
    responses((status = 200, description = "Every tag", body = TagsOut))
)]
pub async fn tags(state: web::Data<AppState>) -> Result<HttpResponse, ConduitError> {
    let tags = state.posts.tag_names().await?;
    ok(TagsOut { tags })
}
