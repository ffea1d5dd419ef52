//! The static files, compiled into the binary and served under `/static/` with
//! long-lived cache headers; pages link them with a content hash (`?v=...`), so a
//! new build is fetched at once.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::routes::readable;

/// One embedded file.
struct Asset {
    /// Its path, `/static/{name}`: a route of its own (a fixed path is
    /// matched by comparison, a pattern by regex).
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "/static/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../../static/style.css"),
    },
    Asset {
        path: "/static/monitoring.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../../static/monitoring.js"),
    },
];

/// FNV-1a of every asset: changes whenever one of them does.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for asset in ASSETS {
        for byte in asset.body.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
});

/// The URL of a static file, with the cache-busting version.
pub fn href(name: &str) -> String {
    format!("/static/{name}?v={}", *VERSION)
}

/// The `ETag` of every static file: the version.
static ETAG: LazyLock<String> = LazyLock::new(|| format!("\"{}\"", *VERSION));

/// A route for each static file; any other path under `/static/` is the
/// fallback's 404.
pub fn routes(cfg: &mut web::ServiceConfig) {
    for asset in ASSETS {
        cfg.service(readable(asset.path, move || serve(asset)));
    }
}

/// `GET /static/{name}`.
async fn serve(asset: &'static Asset) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, ETAG.as_str()))
        .body(asset.body)
}
