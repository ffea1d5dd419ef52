//! The actix-web application: routes, middleware and the server.

use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, FromRequest, Handler, HttpServer, Responder, web};

use crate::handlers::{api, auth, dashboard, health, monitoring, pages, sign_in};
use crate::request_metrics::RouteMetrics;
use crate::state::AppState;
use crate::{api_docs, assets, conduit, openapi, pipeline};

/// The pages whose successful views the daily analytics count.
pub const PAGE_VIEW_ROUTES: &[&str] = &["/blog/", "/blog/{id}/", "/search/"];

/// Every route of routes.md (and the static files). Each path is a resource, so
/// a wrong method gets 405 rather than 404. The busiest come first: the router
/// tries resources in order, a pattern with a `{segment}` by regex (so the
/// fixed paths of the static files come before the first pattern).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(readable("/blog/", pages::post_list))
        .configure(assets::routes)
        .service(readable("/blog/{id}/", pages::post_detail))
        .service(readable("/search/", pages::search))
        .service(readable("/", pages::home))
        .service(resource("/auth/login/").route(web::post().to(auth::login)))
        .service(resource("/auth/logout/").route(web::post().to(auth::logout)))
        .service(readable("/api/posts/", api::post_list).route(web::post().to(api::create_post)))
        .service(
            readable("/api/posts/{id}/", api::post_detail)
                .route(web::put().to(api::update_post))
                .route(web::delete().to(api::delete_post)),
        )
        .service(
            resource("/api/posts/{id}/like/")
                .route(web::post().to(api::like))
                .route(web::delete().to(api::unlike)),
        )
        .service(resource("/api/posts/{id}/comments/").route(web::post().to(api::comment)))
        .service(resource("/api/comments/{id}/approve/").route(web::post().to(api::approve)))
        .service(readable("/api/dashboard/", dashboard::dashboard))
        .service(readable("/api/monitoring/", monitoring::report))
        .service(readable("/monitoring/", monitoring::page))
        .service(
            readable("/monitoring/login/", sign_in::form).route(web::post().to(sign_in::sign_in)),
        )
        .service(resource("/monitoring/logout/").route(web::post().to(sign_in::sign_out)))
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

/// The resource at `path`, carrying its route's metrics.
fn resource(path: &'static str) -> actix_web::Resource {
    web::resource(path).app_data(RouteMetrics::new(path))
}

/// A resource answering GET, and HEAD the same way without the body (probes,
/// `curl -I`).
pub(crate) fn readable<F, Args>(path: &'static str, handler: F) -> actix_web::Resource
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    resource(path)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
}

/// The whole application over `state`: routes, the fallback, and the
/// request pipeline ([`pipeline`], compression included).
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
        .configure(conduit::routes)
        .configure(|cfg| {
            if metrics_here {
                cfg.service(readable("/metrics", monitoring::metrics));
            }
        })
        .default_service(web::to(pages::not_found))
        .wrap(from_fn(pipeline::pipeline))
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
