//! HTTP caching and compression: ETags revalidate pages and JSON with 304s,
//! the same body gives the same tag, a change gives a new one; gzip and
//! brotli above the size threshold, nothing below it.

use reqwest::{Method, StatusCode, header};

use crate::common::TestApp;

#[tokio::test]
async fn pages_and_json_revalidate_with_etags_and_304() {
    let app = TestApp::cached(5).await;
    for path in ["/blog/", "/api/posts/", "/blog/3/", "/api/posts/3/"] {
        let first = app.get(path).await;
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::CACHE_CONTROL], "no-cache", "{path}");
        let tag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
        assert!(tag.starts_with("W/\""), "{path}: {tag}");
        let again = app.get(path).await;
        assert_eq!(
            again.headers()[header::ETAG],
            tag.as_str(),
            "{path}: same body, same tag"
        );

        let revalidated = app
            .client
            .get(app.url(path))
            .header(header::IF_NONE_MATCH, &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(revalidated.headers()[header::ETAG], tag.as_str());
        assert!(
            revalidated.bytes().await.unwrap().is_empty(),
            "{path}: a 304 has no body"
        );

        let stale = app
            .client
            .get(app.url(path))
            .header(header::IF_NONE_MATCH, "W/\"0000000000000000-1\"")
            .send()
            .await
            .unwrap();
        assert_eq!(
            stale.status(),
            StatusCode::OK,
            "{path}: another tag gets the body"
        );
    }

    let before = app.get("/api/posts/3/").await.headers()[header::ETAG].clone();
    let token = app.login("testuser", "testpass123").await;
    let liked = app
        .authed(Method::POST, "/api/posts/3/like/", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(liked.status(), StatusCode::OK);
    let after = app
        .client
        .get(app.url("/api/posts/3/"))
        .header(header::IF_NONE_MATCH, before.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::OK, "a write changes the tag");
    assert_ne!(after.headers()[header::ETAG], before);

    let with_token = app
        .authed(Method::GET, "/api/posts/", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_token.headers()[header::CACHE_CONTROL],
        "private, no-cache"
    );
    let dashboard = app
        .authed(Method::GET, "/api/dashboard/", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        dashboard.headers()[header::CACHE_CONTROL],
        "no-store",
        "its own policy stands"
    );
    let stylesheet = app.get(&blog_web::assets::href("style.css")).await;
    assert_eq!(
        stylesheet.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
}

#[tokio::test]
async fn large_bodies_are_compressed_as_asked_small_ones_are_not_nothing_acceptable_is_406() {
    let app = TestApp::with_posts(10).await;
    // The raw bytes, whatever features another crate turns on in reqwest.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .no_zstd()
        .build()
        .unwrap();
    for (accepted, expected) in [("br", "br"), ("gzip", "gzip"), ("br, gzip", "br")] {
        let response = raw
            .get(app.url("/blog/"))
            .header(header::ACCEPT_ENCODING, accepted)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()[header::CONTENT_ENCODING],
            expected,
            "{accepted}"
        );
        assert!(
            response.headers()[header::VARY]
                .to_str()
                .unwrap()
                .contains("accept-encoding")
        );
    }
    let small = raw
        .get(app.url("/health/live/"))
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), StatusCode::OK);
    assert!(
        !small.headers().contains_key(header::CONTENT_ENCODING),
        "a body under the threshold goes as it is: {:?}",
        small.headers()
    );
    assert_eq!(small.text().await.unwrap(), r#"{"status":"ok"}"#);
    // A request that asks for no encoding gets the page as it is.
    let plain = raw.get(app.url("/blog/")).send().await.unwrap();
    assert!(!plain.headers().contains_key(header::CONTENT_ENCODING));
    assert!(plain.text().await.unwrap().len() > 1024);
    // One that refuses every encoding, the body as it is included: 406, said.
    let refused = raw
        .get(app.url("/blog/"))
        .header(header::ACCEPT_ENCODING, "identity;q=0, *;q=0")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_ACCEPTABLE);
    assert!(refused.text().await.unwrap().contains("Accept-Encoding"));
}
