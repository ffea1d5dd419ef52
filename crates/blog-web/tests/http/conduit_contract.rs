//! The RealWorld API's own OpenAPI document, and the rules it publishes
//! held by the server: what the fuzzer (`scripts/fuzz-api`) found, pinned.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::conduit::{API, call, sign_in};

#[tokio::test]
async fn the_document_describes_every_operation_once() {
    let app = TestApp::empty().await;
    let (status, doc) = app.json(&format!("{API}/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    let operations: Vec<&Value> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .collect();
    assert_eq!(operations.len(), 19, "every route of the specification");
    let mut ids: Vec<&str> = operations
        .iter()
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 19, "operation ids are unique: {ids:?}");
    let token = &doc["components"]["securitySchemes"]["token"];
    assert_eq!(
        (token["type"].as_str(), token["name"].as_str()),
        (Some("apiKey"), Some("Authorization"))
    );
    let email = &doc["components"]["schemas"]["NewUser"]["properties"]["email"];
    assert_eq!(
        email["maxLength"], 254,
        "the services' limits, not copies: {email}"
    );
}

#[tokio::test]
async fn an_envelope_must_hold_an_object() {
    let app = TestApp::with_posts(3).await;
    let token = sign_in(&app, "testuser", "testpass123").await;
    let positional = [
        (
            Method::POST,
            "/users",
            json!({"user": ["someone", "someone@example.com", "long enough"]}),
        ),
        (Method::PUT, "/user", json!({"user": []})),
        (
            Method::POST,
            "/articles",
            json!({"article": ["A title", "A summary", "A body"]}),
        ),
    ];
    for (method, path, body) in positional {
        let (status, _, error) = call(&app, method, path, Some(&token), Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {error}");
        assert!(
            error["errors"]["body"][0]
                .as_str()
                .unwrap()
                .contains("object"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn addresses_passwords_and_pages_follow_the_published_rules() {
    let app = TestApp::with_posts(3).await;
    let refused = [
        (" padded@example.com", "long enough", "email"),
        ("ünï@example.com", "long enough", "email"),
        ("two@at@example.com", "long enough", "email"),
        ("fine@example.com", &"p".repeat(1025), "password"),
    ];
    for (email, password, field) in refused {
        let body = json!({"user": {"username": "newcomer", "email": email, "password": password}});
        let (status, _, error) = call(&app, Method::POST, "/users", None, Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{email}: {error}");
        assert!(error["errors"][field].is_array(), "{error}");
    }
    let body = json!({"user": {"username": "newcomer", "email": "Fine+1@example.com",
        "password": "p".repeat(1024)}});
    let (status, _, user) = call(&app, Method::POST, "/users", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    for path in [
        "/articles?offset=1000001",
        "/articles?limit=0",
        "/articles?limit=101",
    ] {
        let (status, _, error) = call(&app, Method::GET, path, None, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {error}");
    }
    let (status, _, _) = call(&app, Method::GET, "/articles?offset=1000000", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_post_without_a_description_can_be_edited_here() {
    let app = TestApp::with_posts(3).await;
    let bearer = app.login("testuser", "testpass123").await;
    let post: Value = app
        .authed(Method::POST, "/api/posts/", &bearer)
        .json(&json!({"title": "Written via /api/", "content": "Its text", "category_id": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = post["id"].as_i64().unwrap();
    let token = sign_in(&app, "testuser", "testpass123").await;
    let slug = format!("written-via-api-{id}");
    let edit = json!({"article": {"title": "Retitled here"}});
    let path = format!("/articles/{slug}");
    let (status, _, edited) = call(&app, Method::PUT, &path, Some(&token), Some(edit)).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["article"]["title"], "Retitled here");
    assert_eq!(edited["article"]["description"], "");
    let blank = json!({"article": {"description": "  "}});
    let (status, _, error) = call(&app, Method::PUT, &path, Some(&token), Some(blank)).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a description sent must not be blank: {error}"
    );
}
