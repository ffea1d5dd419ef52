//! The request pipeline: everything that happens to every request besides its
//! handler, in one middleware layer. Each concern lives in its own module;
//! this one calls them in order. (One layer a concern cost a boxed future and
//! a move of the request and the response per layer and request: ten layers
//! were most of the trivial route's cost, `docs/performance.md`.)
//!
//! In order: the encoding negotiated; the request id and its span (around
//! all that follows); the request limits, an unacceptable encoding, the
//! start-up gate and admission control refuse what they must; the handler
//! runs with its statements and cache lookups counted; the request monitor
//! records it (the N+1 detector may replace the response); error bodies get
//! the shape their path calls for; a successful GET gets its ETag and Cache-Control; the
//! security headers; the access line; compression ([`crate::compression`]).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use blog_repositories::statement_counter;
use blog_services::cache::track_lookups;
use tracing::Instrument;

use crate::access_log::AccessEntry;
use crate::compression::Negotiated;
use crate::error::{ErrorStyle, render_errors};
use crate::http_cache::Conditions;
use crate::request_metrics::Measurement;
use crate::routes::touches_no_database;
use crate::state::AppState;

/// The headers every response carries: a Content-Security-Policy allowing only
/// the site's own scripts, styles and images (no inline code anywhere) and no
/// framing, no MIME sniffing, and referrers kept on the site.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
];

/// The middleware: the request id and its span around everything else, the
/// access line and the security headers on the way out, then compression.
pub async fn pipeline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = state(&req).clone();
    let entry = AccessEntry::open(&req, &state.server.trusted_proxies);
    let encoding = Negotiated::of(&req);
    let mut res = handle(&state, req, next, encoding)
        .instrument(entry.span())
        .await?;
    set_security_headers(res.headers_mut());
    entry.close(&mut res);
    Ok(encoding.apply(res))
}

/// Refusals, measurement, error bodies, HTTP caching.
async fn handle(
    state: &AppState,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    encoding: Negotiated,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let conditions = Conditions::of(&req);
    let style = ErrorStyle::of(req.path());
    let measurement = Measurement::start(&req);
    // Boxed once, so the futures around it move a pointer, not its state.
    // (When the scopes below were `async` blocks, each kept a copy of what it
    // wrapped: 0.5 KB grew to 15 KB, copied at every step of every request,
    // a fifth of the trivial route's user time.)
    let handler = Box::pin(admitted(state, req, next, encoding));
    let ((res, lookups), stats) = statement_counter::track(track_lookups(handler)).await;
    let res = measurement.finish(state, res?, &stats, lookups);
    let res = render_errors(res, style, state.retry_after);
    Ok(conditions.apply(res))
}

/// The handler's response, unless the request is over the limits, accepts
/// no encoding there is, arrives before start-up has finished, or finds no
/// room (the refusal then).
async fn admitted(
    state: &AppState,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    encoding: Negotiated,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let needs_database = !touches_no_database(req.path());
    let refused = state
        .server
        .limits
        .check(&req)
        .and_then(|()| encoding.check())
        .and_then(|()| state.started.admit(needs_database));
    if let Err(refused) = refused {
        return Ok(req.error_response(refused));
    }
    match state.admission.admit(needs_database).await {
        Ok(_permit) => Ok(next.call(req).await?.map_into_boxed_body()),
        Err(refused) => Ok(req.error_response(refused)),
    }
}

fn state(req: &ServiceRequest) -> &web::Data<AppState> {
    req.app_data::<web::Data<AppState>>()
        .expect("AppState is registered with the app")
}

fn set_security_headers(headers: &mut HeaderMap) {
    for (name, value) in SECURITY_HEADERS {
        let name = HeaderName::from_static(name);
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}
