//! The JSON twins of the pages (`/api/posts/`), annotated for OpenAPI.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{ListParams, idempotency_key, json_body, parse_id, parse_post_id, read_body};
use crate::auth::Authenticated;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;
use crate::views::{JSON, rendered_json, send};
use crate::wire::posts::{
    CommentInputBody, CommentStateBody, LikeBody, PostDetailBody, PostInputBody, PostListBody,
};

/// The list page's data: 20 posts a page, newest first, each with its author,
/// category, tags, counts, read time and 5 newest approved comments.
#[utoipa::path(
    get,
    path = "/api/posts/",
    tag = "posts",
    params(ListParams),
    responses(
        (status = 200, description = "A page of posts", body = PostListBody,
            links(
                ("CreatePostInCategory" = (
                    operation_id = "create_post",
                    request_body = json!({"category_id": "$response.body#/results/0/category_id"}),
                    description = "A new post in the category of the page's first post",
                )),
            )),
        (status = 400, description = "A malformed page, an unknown category, a tag too long or with NUL, a repeated parameter", body = ErrorBody),
        (status = 404, description = "A page past the last", body = ErrorBody),
    )
)]
pub async fn post_list(
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let page = state
        .posts
        .list(&params.to_request()?, "json", |listing| {
            let body = PostListBody::from(listing.posts.clone());
            rendered_json(&body, listing.posts.count == 0)
        })
        .await?;
    Ok(send(page, JSON))
}

/// One post in full, with every approved comment.
#[utoipa::path(
    get,
    path = "/api/posts/{id}/",
    tag = "posts",
    params(("id" = i32, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 200, description = "The post", body = PostDetailBody),
        (status = 404, description = "No such post", body = ErrorBody),
    )
)]
pub async fn post_detail(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = state
        .posts
        .detail(parse_post_id(&id)?, "json", |post| {
            rendered_json(&PostDetailBody::from(post.clone()), false)
        })
        .await?;
    Ok(send(page, JSON))
}

/// Publishes a post by the token's user.
#[utoipa::path(
    post,
    path = "/api/posts/",
    tag = "posts",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Any 1 to 255 visible ASCII characters: a retry with the same key (same user, same request, within 24 h) returns the first response and writes nothing")),
    request_body = PostInputBody,
    responses(
        (status = 201, description = "Created (or, for a repeated `Idempotency-Key`, the first response)", body = PostDetailBody,
            headers(("Location" = String, description = "The new post's `/api/posts/{id}/`")),
            links(
                ("GetPost" = (operation_id = "post_detail", parameters(("id" = "$response.body#/id")))),
                ("UpdatePost" = (operation_id = "update_post", parameters(("id" = "$response.body#/id")))),
                ("DeletePost" = (operation_id = "delete_post", parameters(("id" = "$response.body#/id")))),
                ("LikePost" = (operation_id = "like", parameters(("id" = "$response.body#/id")))),
                ("UnlikePost" = (operation_id = "unlike", parameters(("id" = "$response.body#/id")))),
                ("CommentOnPost" = (operation_id = "comment", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, description = "Malformed JSON, or a body that could not be read", body = ErrorBody),
        (status = 401, description = "No or a bad token", body = ErrorBody),
        (status = 413, description = "Body over 1 MB", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 409, description = "This Idempotency-Key was used with a different request, or its first request has not finished", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
pub async fn create_post(
    state: web::Data<AppState>,
    user: Authenticated,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body = read_body(&req, payload, state.server.limits.body).await?;
    let input: PostInputBody = json_body(&req, &body)?;
    let key = idempotency_key(&req, &body)?;
    let post = state
        .posts
        .create(&user.0, &input.into(), key.as_ref())
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/posts/{}/", post.card.id)))
        .json(PostDetailBody::from(post)))
}

/// Replaces a post's title, content, category and (if given) tags; its author only.
#[utoipa::path(
    put,
    path = "/api/posts/{id}/",
    tag = "posts",
    security(("bearer" = [])),
    params(("id" = i32, Path, minimum = 1, description = "The post's id")),
    request_body = PostInputBody,
    responses(
        (status = 200, description = "Updated", body = PostDetailBody),
        (status = 400, description = "Malformed JSON, or a body that could not be read", body = ErrorBody),
        (status = 401, description = "No or a bad token", body = ErrorBody),
        (status = 403, description = "Not the post's author", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 413, description = "Body over 1 MB", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
pub async fn update_post(
    state: web::Data<AppState>,
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body = read_body(&req, payload, state.server.limits.body).await?;
    let input: PostInputBody = json_body(&req, &body)?;
    let post = state
        .posts
        .update(&user.0, parse_post_id(&id)?, &input.into())
        .await?;
    Ok(HttpResponse::Ok().json(PostDetailBody::from(post)))
}

/// Deletes a post with its comments and likes; its author only.
#[utoipa::path(
    delete,
    path = "/api/posts/{id}/",
    tag = "posts",
    security(("bearer" = [])),
    params(("id" = i32, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or a bad token", body = ErrorBody),
        (status = 403, description = "Not the post's author", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
    )
)]
pub async fn delete_post(
    state: web::Data<AppState>,
    user: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    state.posts.delete(&user.0, parse_post_id(&id)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Likes a post (idempotent).
#[utoipa::path(
    post,
    path = "/api/posts/{id}/like/",
    tag = "posts",
    security(("bearer" = [])),
    params(("id" = i32, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 200, description = "Liked", body = LikeBody),
        (status = 401, description = "No or a bad token", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
    )
)]
pub async fn like(
    state: web::Data<AppState>,
    user: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let like = state.posts.like(&user.0, parse_post_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(LikeBody::from(like)))
}

/// Withdraws a like (idempotent).
#[utoipa::path(
    delete,
    path = "/api/posts/{id}/like/",
    tag = "posts",
    security(("bearer" = [])),
    params(("id" = i32, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 200, description = "Not liked", body = LikeBody),
        (status = 401, description = "No or a bad token", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
    )
)]
pub async fn unlike(
    state: web::Data<AppState>,
    user: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let like = state.posts.unlike(&user.0, parse_post_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(LikeBody::from(like)))
}

/// Comments on a post; the comment waits for the post author's approval.
#[utoipa::path(
    post,
    path = "/api/posts/{id}/comments/",
    tag = "comments",
    security(("bearer" = [])),
    params(("id" = i32, Path, minimum = 1, description = "The post's id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Any 1 to 255 visible ASCII characters: a retry with the same key (same user, same request, within 24 h) returns the first response and writes nothing")),
    request_body = CommentInputBody,
    responses(
        (status = 201, description = "Stored, awaiting approval", body = CommentStateBody,
            links(
                ("ApproveComment" = (operation_id = "approve", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, description = "Malformed JSON, or a body that could not be read", body = ErrorBody),
        (status = 401, description = "No or a bad token", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 413, description = "Body over 1 MB", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 409, description = "This Idempotency-Key was used with a different request, or its first request has not finished", body = ErrorBody),
        (status = 422, description = "Empty, blank, too long or with NUL", body = ErrorBody),
    )
)]
pub async fn comment(
    state: web::Data<AppState>,
    user: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body = read_body(&req, payload, state.server.limits.body).await?;
    let input: CommentInputBody = json_body(&req, &body)?;
    let key = idempotency_key(&req, &body)?;
    let stored = state
        .posts
        .comment(
            &user.0,
            parse_post_id(&id)?,
            input.content.as_deref(),
            key.as_ref(),
        )
        .await?;
    Ok(HttpResponse::Created().json(CommentStateBody::from(stored)))
}

/// Approves a comment: the post's author only.
#[utoipa::path(
    post,
    path = "/api/comments/{id}/approve/",
    tag = "comments",
    security(("bearer" = [])),
    params(("id" = i32, Path, minimum = 1, description = "The comment's id")),
    responses(
        (status = 200, description = "Approved", body = CommentStateBody),
        (status = 401, description = "No or a bad token", body = ErrorBody),
        (status = 403, description = "Not the post's author", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody),
    )
)]
pub async fn approve(
    state: web::Data<AppState>,
    user: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let approved = state
        .posts
        .approve(&user.0, parse_id("comment", &id)?)
        .await?;
    Ok(HttpResponse::Ok().json(CommentStateBody::from(approved)))
}
