//! `GET /api/docs/`: the OpenAPI document (`/api/openapi.json`) rendered as a
//! page on the server: every operation with its parameters, body and
//! answers. No script and no CDN: it obeys the site's CSP like every page.

use actix_web::HttpResponse;
use askama::Template;
use serde_json::Value;
use utoipa::OpenApi;

use crate::error::AppError;
use crate::openapi::ApiDoc;
use crate::views::html;

/// One operation, as the page shows it.
#[derive(Debug)]
pub struct DocOperation {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template (`/api/posts/{id}/`).
    pub path: String,
    /// Its one-line summary.
    pub summary: String,
    /// The longer description, if any.
    pub description: String,
    /// Whether it needs `Authorization: Bearer`.
    pub needs_token: bool,
    /// `name (in, required): description` of each parameter.
    pub parameters: Vec<String>,
    /// The media types and schema of the body it reads, if any.
    pub body: Option<String>,
    /// `status: description` of each answer.
    pub responses: Vec<(String, String)>,
}

/// The docs page.
#[derive(Template)]
#[template(path = "api_docs.html")]
pub struct ApiDocsPage {
    /// The document's title.
    pub title: String,
    /// Its operations, by path then method.
    pub operations: Vec<DocOperation>,
}

/// `GET /api/docs/`.
pub async fn page() -> Result<HttpResponse, AppError> {
    let document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    html(&ApiDocsPage {
        title: text(&document["info"]["title"]),
        operations: operations(&document),
    })
}

/// Every operation of `document`, by path, then in the usual method order.
fn operations(document: &Value) -> Vec<DocOperation> {
    let Some(paths) = document["paths"].as_object() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let operation = &item[method];
            if operation.is_object() {
                found.push(describe(method, path, operation));
            }
        }
    }
    found
}

fn describe(method: &str, path: &str, operation: &Value) -> DocOperation {
    let parameters = operation["parameters"]
        .as_array()
        .map(|list| list.iter().map(parameter).collect())
        .unwrap_or_default();
    let body = operation["requestBody"]["content"]
        .as_object()
        .map(|content| {
            content
                .iter()
                .map(|(media, spec)| format!("{media} ({})", schema_name(&spec["schema"])))
                .collect::<Vec<_>>()
                .join(", ")
        });
    let responses = operation["responses"]
        .as_object()
        .map(|answers| {
            answers
                .iter()
                .map(|(status, answer)| (status.clone(), text(&answer["description"])))
                .collect()
        })
        .unwrap_or_default();
    DocOperation {
        method: method.to_uppercase(),
        path: path.to_owned(),
        summary: text(&operation["summary"]),
        description: text(&operation["description"]),
        needs_token: operation["security"].is_array(),
        parameters,
        body,
        responses,
    }
}

fn parameter(spec: &Value) -> String {
    let required = if spec["required"].as_bool() == Some(true) {
        ", required"
    } else {
        ""
    };
    let description = text(&spec["description"]);
    let mut line = format!("{} ({}{required})", text(&spec["name"]), text(&spec["in"]));
    if !description.is_empty() {
        line.push_str(": ");
        line.push_str(&description);
    }
    line
}

/// `PostCreate` for a `$ref`, else the schema's type.
fn schema_name(schema: &Value) -> String {
    match schema["$ref"].as_str() {
        Some(reference) => reference.rsplit('/').next().unwrap_or(reference).to_owned(),
        None => text(&schema["type"]),
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}
