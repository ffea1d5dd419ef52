//! One access-log line per request, and the request id that ties every log
//! event of a request together: taken from `X-Request-Id` when a trusted
//! proxy sent it, made here otherwise, and answered in `X-Request-Id`.
//! [`crate::pipeline`] calls these around the whole request.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use blog_services::cache::RequestLookups;
use tracing::Span;

use crate::client::{IpRange, from_trusted_proxy};

/// The header that carries the request id both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the request monitor measured, left on the request for this log
/// (only while access lines are written).
#[derive(Debug, Clone, Default)]
pub struct RequestCost {
    /// The route pattern that served it (`/blog/{id}/`), or `unmatched`.
    pub route: Cow<'static, str>,
    /// SQL statements the request ran.
    pub statements: u32,
    /// What the cache answered.
    pub lookups: RequestLookups,
}

/// True while access lines are written (`RUST_LOG` lets `access=info` through).
pub fn enabled() -> bool {
    tracing::enabled!(target: "access", tracing::Level::INFO)
}

/// A request on its way through: its id, its span, and when it started.
pub struct AccessEntry {
    id: HeaderValue,
    span: Span,
    method: Method,
    started: Instant,
}

impl AccessEntry {
    /// Opens the entry of `req`: a trusted proxy's request id, or a new one.
    pub fn open(req: &ServiceRequest, trusted_proxies: &[IpRange]) -> Self {
        let id = incoming_id(req, trusted_proxies).unwrap_or_else(new_id);
        let span = tracing::info_span!("request", request_id = id.to_str().unwrap_or("-"));
        AccessEntry {
            id,
            span,
            method: req.method().clone(),
            started: Instant::now(),
        }
    }

    /// The span every event of the request is logged in.
    pub fn span(&self) -> Span {
        self.span.clone()
    }

    /// Answers the id in `X-Request-Id` and writes the access line.
    pub fn close<B: MessageBody>(self, res: &mut ServiceResponse<B>) {
        let elapsed = self.started.elapsed();
        res.headers_mut().insert(REQUEST_ID, self.id);
        if !enabled() {
            return;
        }
        let cost = res
            .request()
            .extensions()
            .get::<RequestCost>()
            .cloned()
            .unwrap_or(RequestCost {
                route: Cow::Borrowed("unmatched"),
                ..RequestCost::default()
            });
        let bytes = match res.response().body().size() {
            BodySize::Sized(n) => n,
            BodySize::None | BodySize::Stream => 0,
        };
        self.span.in_scope(|| {
            tracing::info!(
                target: "access",
                method = %self.method,
                route = %cost.route,
                status = res.status().as_u16(),
                bytes,
                duration_ms = elapsed.as_secs_f64() * 1000.0,
                statements = cost.statements,
                cache = cost.lookups.outcome(),
                "request"
            );
        });
    }
}

/// The id a trusted proxy sent, if it is one a log can carry safely.
fn incoming_id(req: &ServiceRequest, trusted: &[IpRange]) -> Option<HeaderValue> {
    let id = req.headers().get(REQUEST_ID)?;
    if !from_trusted_proxy(req.request(), trusted) {
        return None;
    }
    let bytes = id.as_bytes();
    let sane = !bytes.is_empty()
        && bytes.len() <= 128
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    sane.then(|| id.clone())
}

/// A process-unique id: a random prefix per process and a counter.
fn new_id() -> HeaderValue {
    static PREFIX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 8];
        let _ = getrandom::fill(&mut bytes);
        u64::from_le_bytes(bytes)
    });
    let id = (u128::from(*prefix) << 32) | u128::from(NEXT.fetch_add(1, Ordering::Relaxed) as u32);
    // `{prefix:016x}-{counter:08x}`, without the formatting machinery.
    let mut text = [0u8; 25];
    for (i, slot) in text.iter_mut().enumerate() {
        let digit = match i {
            16 => {
                *slot = b'-';
                continue;
            }
            0..16 => (id >> (32 + 4 * (15 - i))) & 0xf,
            _ => (id >> (4 * (24 - i))) & 0xf,
        };
        *slot = b"0123456789abcdef"[digit as usize];
    }
    HeaderValue::from_bytes(&text).unwrap_or_else(|_| HeaderValue::from_static("-"))
}
