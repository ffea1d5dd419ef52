//! One access-log line per request, and the request id that ties every log
//! event of a request together: taken from `X-Request-Id` when a trusted
//! proxy sent it, made here otherwise, and answered in `X-Request-Id`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use blog_services::cache::RequestLookups;
use tracing::Instrument;

use crate::client::{IpRange, from_trusted_proxy};
use crate::state::AppState;

/// The header that carries the request id both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the request monitor measured, left on the request for this log
/// (so that the route is matched once a request, not once a middleware).
#[derive(Debug, Clone, Default)]
pub struct RequestCost {
    /// The route pattern that served it (`/blog/{id}/`), or `unmatched`.
    pub route: String,
    /// SQL statements the request ran.
    pub statements: u32,
    /// Its cache lookups.
    pub lookups: RequestLookups,
}

/// Middleware: the request id, a tracing span carrying it around the
/// request, the `X-Request-Id` response header and the access-log line
/// (method, route, status, bytes, duration, statements, cache, id).
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let incoming = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| incoming_id(&req, &state.server.trusted_proxies));
    let id = incoming.unwrap_or_else(new_id);
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id);
    let mut res = next.call(req).instrument(span.clone()).await?;
    let elapsed = started.elapsed();
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    if !tracing::enabled!(target: "access", tracing::Level::INFO) {
        return Ok(res);
    }
    let cost = res
        .request()
        .extensions()
        .get::<RequestCost>()
        .cloned()
        .unwrap_or_else(|| RequestCost {
            route: res
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".into()),
            ..RequestCost::default()
        });
    let route = &cost.route;
    let bytes = match res.response().body().size() {
        BodySize::Sized(n) => n,
        BodySize::None | BodySize::Stream => 0,
    };
    span.in_scope(|| {
        tracing::info!(
            target: "access",
            %method,
            %route,
            status = res.status().as_u16(),
            bytes,
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            statements = cost.statements,
            cache = cost.lookups.outcome(),
            "request"
        );
    });
    Ok(res)
}

/// A proxy's `X-Request-Id`, if the peer is a trusted proxy and the id is a
/// sane token (at most 128 of `A-Z a-z 0-9 - _ . :`); anyone else's is ignored,
/// so a client cannot forge ids into the logs.
fn incoming_id(req: &ServiceRequest, trusted: &[IpRange]) -> Option<String> {
    if !from_trusted_proxy(req.request(), trusted) {
        return None;
    }
    let id = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let sane = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    sane.then(|| id.to_owned())
}

/// A fresh id: this process's random prefix and a counter (unique per
/// process, unguessable across processes, cheap).
fn new_id() -> String {
    static PREFIX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 8];
        // Without randomness the ids stay unique within the process.
        let _ = getrandom::fill(&mut bytes);
        u64::from_le_bytes(bytes)
    });
    format!("{prefix:016x}-{:08x}", NEXT.fetch_add(1, Ordering::Relaxed))
}
