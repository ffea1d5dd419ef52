//! `/articles/{slug}/comments`: an article's comments.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use blog_services::ServiceError;

use super::auth::{Reader, SignedIn};
use super::error::{ConduitError, ConduitErrorBody};
use super::requests::CommentRequest;
use super::wire::{CommentOut, CommentResponse, CommentsOut};
use super::{body, ok};
use crate::handlers::parse_id;
use crate::state::AppState;

/// `GET /articles/{slug}/comments`: those the reader may see, oldest first.
#[utoipa::path(
    get,
    path = "/conduit/api/articles/{slug}/comments",
    operation_id = "conduit_comments",
    tag = "conduit",
    security((), ("token" = [])),
    params(("slug" = String, Path, description = "The article's slug (its title's words, then its id)")),
    responses(
        (status = 200, description = "The comments: approved ones, and the reader's own or (for the article's author) pending ones", body = CommentsOut),
        (status = 401, description = "An unknown token (none is fine)", body = ConduitErrorBody),
        (status = 404, description = "No such article", body = ConduitErrorBody),
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    reader: Reader,
    slug: web::Path<String>,
) -> Result<HttpResponse, ConduitError> {
    let comments = state
        .posts
        .article_comments(&slug, reader.0.as_ref())
        .await?;
    ok(CommentsOut {
        comments: comments.into_iter().map(CommentOut::from).collect(),
    })
}

/// `POST /articles/{slug}/comments`: 201 with the comment (public at once
/// when the article's author writes it, after approval otherwise).
#[utoipa::path(
    post,
    path = "/conduit/api/articles/{slug}/comments",
    operation_id = "conduit_add_comment",
    tag = "conduit",
    security(("token" = [])),
    params(("slug" = String, Path, description = "The article's slug (its title's words, then its id)")),
    request_body = CommentRequest,
    responses(
        (status = 201, description = "Added", body = CommentResponse,
            links(
                ("DeleteComment" = (operation_id = "conduit_delete_comment", parameters(("slug" = "$request.path.slug"), ("id" = "$response.body#/comment/id")))),
            )),
        (status = 400, description = "Malformed JSON, or a body that could not be read", body = ConduitErrorBody),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
        (status = 404, description = "No such article", body = ConduitErrorBody),
        (status = 413, description = "Body over 1 MB", body = ConduitErrorBody),
        (status = 415, description = "Not JSON", body = ConduitErrorBody),
        (status = 422, description = "An empty comment, one too long or with NUL", body = ConduitErrorBody),
    )
)]
pub async fn add(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    slug: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: CommentRequest = body(&state, &req, payload).await?;
    let comment = state
        .posts
        .add_article_comment(&signed_in.user, &slug, form.comment.body.as_deref())
        .await?;
    Ok(
        HttpResponse::build(StatusCode::CREATED).json(CommentResponse {
            comment: comment.into(),
        }),
    )
}

/// `DELETE /articles/{slug}/comments/{id}`: its author only; 204.
#[utoipa::path(
    delete,
    path = "/conduit/api/articles/{slug}/comments/{id}",
    operation_id = "conduit_delete_comment",
    tag = "conduit",
    security(("token" = [])),
    params(("slug" = String, Path, description = "The article's slug (its title's words, then its id)"), ("id" = i32, Path, minimum = 1, description = "The comment's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No token, or an unknown one", body = ConduitErrorBody),
        (status = 403, description = "Not the comment's author", body = ConduitErrorBody),
        (status = 404, description = "No such article, or no such comment on it", body = ConduitErrorBody),
    )
)]
pub async fn delete(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConduitError> {
    let (slug, id) = path.into_inner();
    let id = parse_id("comment", &id).map_err(|_| ServiceError::NoSuch("comment"))?;
    state
        .posts
        .delete_article_comment(&signed_in.user, &slug, id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
