//! `/articles/{slug}/comments`: an article's comments.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use blog_services::ServiceError;

use super::auth::{Reader, SignedIn};
use super::error::ConduitError;
use super::wire::{CommentEnvelope, CommentOut, CommentOutEnvelope, CommentsOut};
use super::{body, ok};
use crate::handlers::parse_id;
use crate::state::AppState;

/// `GET /articles/{slug}/comments`: those the reader may see, oldest first.
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

/// `POST /articles/{slug}/comments`: 201 with the comment.
pub async fn add(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    slug: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ConduitError> {
    let form: CommentEnvelope = body(&state, &req, payload).await?;
    let comment = state
        .posts
        .add_article_comment(&signed_in.user, &slug, form.comment.body.as_deref())
        .await?;
    Ok(
        HttpResponse::build(StatusCode::CREATED).json(CommentOutEnvelope {
            comment: comment.into(),
        }),
    )
}

/// `DELETE /articles/{slug}/comments/{id}`: its author only; 204.
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
