//! The actix-web application: routes, middleware and the server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};

use crate::error::render_errors;
use crate::handlers::{api, health, pages};
use crate::monitor::{MonitorSettings, monitor_requests};
use crate::state::AppState;
use crate::{assets, openapi};

/// Every route of routes.md (and the static files). Each path is a resource, so
/// a wrong method gets 405 rather than 404.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(pages::home)))
        .service(web::resource("/blog/").route(web::get().to(pages::post_list)))
        .service(web::resource("/blog/{id}/").route(web::get().to(pages::post_detail)))
        .service(web::resource("/search/").route(web::get().to(pages::search)))
        .service(web::resource("/api/posts/").route(web::get().to(api::post_list)))
        .service(web::resource("/api/posts/{id}/").route(web::get().to(api::post_detail)))
        .service(web::resource("/api/openapi.json").route(web::get().to(openapi::document)))
        .service(web::resource("/health/").route(web::get().to(health::health)))
        .service(web::resource("/static/{name}").route(web::get().to(assets::serve)));
}

/// Starts serving on `listener` with `workers` threads; await the result to run.
pub fn run(
    listener: TcpListener,
    state: AppState,
    monitor: MonitorSettings,
    workers: usize,
) -> std::io::Result<Server> {
    let state = web::Data::new(state);
    let monitor = web::Data::new(monitor);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(monitor.clone())
            .configure(routes)
            .default_service(web::to(pages::not_found))
            .wrap(from_fn(render_errors))
            .wrap(from_fn(monitor_requests))
            .wrap(Compress::default())
    })
    .workers(workers)
    .listen(listener)?
    .run();
    Ok(server)
}
