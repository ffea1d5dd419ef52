//! HTTP caching. A successful GET gets a weak
//! `ETag` (a hash of its body, so every instance gives the same one) and a
//! `Cache-Control` (pages and JSON: `no-cache`, so a browser or proxy keeps
//! them but asks each time; `private` too when the request carried
//! credentials); a matching `If-None-Match` is answered 304 with no body.
//! Static files set their own (`public, immutable`, versioned URLs).

use std::hash::{Hash, Hasher};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};

/// What the request said that its response's caching depends on.
pub struct Conditions {
    cacheable: bool,
    if_none_match: Option<HeaderValue>,
    credentials: bool,
}

impl Conditions {
    /// Reads them off `req`.
    pub fn of(req: &ServiceRequest) -> Self {
        let headers = req.headers();
        Conditions {
            cacheable: matches!(*req.method(), Method::GET | Method::HEAD),
            if_none_match: headers.get(header::IF_NONE_MATCH).cloned(),
            credentials: headers.contains_key(header::AUTHORIZATION)
                || headers.contains_key(header::COOKIE),
        }
    }

    /// Sets the ETag and Cache-Control of a successful GET (304 when
    /// `If-None-Match` matches).
    pub fn apply(self, res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
        let cacheable = self.cacheable && res.status() == StatusCode::OK;
        res.map_body(|head, body| {
            let bytes = match body.try_into_bytes() {
                Ok(bytes) => bytes,
                Err(stream) => return stream,
            };
            if !cacheable {
                return BoxBody::new(bytes);
            }
            let headers = head.headers_mut();
            if !headers.contains_key(header::CACHE_CONTROL) {
                let policy = if self.credentials {
                    "private, no-cache"
                } else {
                    "no-cache"
                };
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
            }
            if !headers.contains_key(header::ETAG) {
                headers.insert(header::ETAG, etag(&bytes));
            }
            if self
                .if_none_match
                .is_some_and(|wanted| matches(&wanted, headers))
            {
                head.status = StatusCode::NOT_MODIFIED;
                return BoxBody::new(());
            }
            BoxBody::new(bytes)
        })
    }
}

/// A weak validator: equal bodies, equal tags, on every instance.
fn etag(body: &[u8]) -> HeaderValue {
    HeaderValue::from_str(&etag_of(body)).unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""))
}

/// The weak validator of `body` (what a cached page stores with its bytes).
pub fn etag_of(body: &[u8]) -> String {
    // `DefaultHasher::new()` has fixed keys: the same on every process of a build.
    let mut hasher = std::hash::DefaultHasher::new();
    body.hash(&mut hasher);
    format!("W/\"{:016x}-{:x}\"", hasher.finish(), body.len())
}

/// `If-None-Match` against the response's tag, by weak comparison.
fn matches(wanted: &HeaderValue, headers: &HeaderMap) -> bool {
    let Some(current) = headers.get(header::ETAG).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let current = opaque(current);
    wanted.to_str().is_ok_and(|list| {
        list.split(',')
            .any(|tag| tag.trim() == "*" || opaque(tag) == current)
    })
}
