//! The actix-web application: routes, middleware and the server.

use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, FromRequest, Handler, HttpServer, Responder, web};

use crate::access_log::access_log;
use crate::admission::admit;
use crate::error::render_errors;
use crate::handlers::{api, auth, dashboard, health, monitoring, pages, sign_in};
use crate::http_cache::{http_cache, without_marker};
use crate::readiness::until_started;
use crate::request_metrics::measure_requests;
use crate::server::enforce_limits;
use crate::state::AppState;
use crate::{api_docs, assets, openapi};

/// The pages whose successful views the daily analytics count.
pub const PAGE_VIEW_ROUTES: &[&str] = &["/blog/", "/blog/{id}/", "/search/"];

/// Every route of routes.md (and the static files). Each path is a resource, so
/// a wrong method gets 405 rather than 404. The busiest come first: the router
/// tries resources in order, a pattern with a `{segment}` by regex.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(readable("/blog/", pages::post_list))
        .service(readable("/blog/{id}/", pages::post_detail))
        .service(readable("/static/{name}", assets::serve))
        .service(readable("/search/", pages::search))
        .service(readable("/", pages::home))
        .service(web::resource("/auth/login/").route(web::post().to(auth::login)))
        .service(web::resource("/auth/logout/").route(web::post().to(auth::logout)))
        .service(readable("/api/posts/", api::post_list).route(web::post().to(api::create_post)))
        .service(
            readable("/api/posts/{id}/", api::post_detail)
                .route(web::put().to(api::update_post))
                .route(web::delete().to(api::delete_post)),
        )
        .service(
            web::resource("/api/posts/{id}/like/")
                .route(web::post().to(api::like))
                .route(web::delete().to(api::unlike)),
        )
        .service(web::resource("/api/posts/{id}/comments/").route(web::post().to(api::comment)))
        .service(web::resource("/api/comments/{id}/approve/").route(web::post().to(api::approve)))
        .service(readable("/api/dashboard/", dashboard::dashboard))
        .service(readable("/api/monitoring/", monitoring::report))
        .service(readable("/monitoring/", monitoring::page))
        .service(
            readable("/monitoring/login/", sign_in::form).route(web::post().to(sign_in::sign_in)),
        )
        .service(web::resource("/monitoring/logout/").route(web::post().to(sign_in::sign_out)))
        .service(readable("/api/openapi.json", openapi::document))
        .service(readable("/api/docs/", api_docs::page))
        .service(readable("/health/", health::health))
        .service(readable("/health/live/", health::live))
        .service(readable("/health/ready/", health::ready));
}

/// True for the paths that touch no database (the liveness probe, `/metrics`,
/// static files): answered while the service starts, and never queued by
/// admission control.
pub fn touches_no_database(path: &str) -> bool {
    matches!(path, "/health/live/" | "/metrics") || path.starts_with("/static/")
}

/// A resource answering GET, and HEAD the same way without the body (probes,
/// `curl -I`).
fn readable<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
}

/// The whole application over `state`: routes, the fallback, and the
/// middleware, innermost first: admission control (a bounded number of
/// requests at work); the start-up gate; the request limits; the request metrics
/// inside the error renderer, so every error response, the strict N+1 one
/// included, gets the body its path calls for; ETag and Cache-Control on the
/// rendered body; the security headers; the access log with the request id;
/// compression (gzip, brotli) outside everything.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // With a separate metrics address, the main one has no `/metrics`.
    let metrics_here = state.monitoring_config.metrics_bind.is_none();
    App::new()
        .app_data(state)
        .configure(routes)
        .configure(|cfg| {
            if metrics_here {
                cfg.service(readable("/metrics", monitoring::metrics));
            }
        })
        .default_service(web::to(pages::not_found))
        .wrap(from_fn(admit))
        .wrap(from_fn(until_started))
        .wrap(from_fn(enforce_limits))
        .wrap(from_fn(measure_requests))
        .wrap(from_fn(render_errors))
        .wrap(from_fn(http_cache))
        .wrap(security_headers())
        .wrap(from_fn(access_log))
        .wrap(Compress::default())
        .wrap(from_fn(without_marker))
}

/// The headers every response carries: a Content-Security-Policy allowing only
/// the site's own scripts, styles and images (no inline code anywhere) and no
/// framing, no MIME sniffing, and referrers kept on the site.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "content-security-policy",
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
        ))
        .add(("x-content-type-options", "nosniff"))
        .add(("referrer-policy", "same-origin"))
        .add(("x-frame-options", "DENY"))
}

/// Serves only `/metrics`, without authorization, on `listener`
/// (`BLOG_METRICS_BIND`): one worker, the same recorder.
pub fn metrics_server(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .service(readable("/metrics", monitoring::internal_metrics))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}
