//! The dashboard's external statistics source: one HTTP client for the process,
//! a 2 s total timeout, and an error object instead of an error.

use std::time::Duration;

use serde_json::{Value, json};

/// How long the external API may take, in total.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// `BLOG_EXTERNAL_API_URL`, fetched with a shared client.
#[derive(Debug, Clone)]
pub struct ExternalApi {
    client: reqwest::Client,
    url: Option<String>,
}

impl ExternalApi {
    /// A client for `url` (none: the dashboard reports the API unavailable).
    pub fn new(url: Option<String>) -> Self {
        // reqwest is built without a default TLS provider: use ring, as sqlx does.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(1))
            .build()
            .expect("a client with a TLS provider and timeouts builds");
        ExternalApi { client, url }
    }

    /// The API's JSON; `{"error": "External API timeout"}` after 2 s, and
    /// `{"error": "External API unavailable"}` on any other failure or non-200.
    pub async fn fetch(&self) -> Value {
        let unavailable = || json!({"error": "External API unavailable"});
        let Some(url) = &self.url else {
            return unavailable();
        };
        let response = match self.client.get(url).send().await {
            Ok(response) => response,
            Err(err) if err.is_timeout() => return json!({"error": "External API timeout"}),
            Err(err) => {
                tracing::debug!(error = %err, "external API unreachable");
                return unavailable();
            }
        };
        if response.status() != reqwest::StatusCode::OK {
            return unavailable();
        }
        match response.json::<Value>().await {
            Ok(value) => value,
            Err(err) if err.is_timeout() => json!({"error": "External API timeout"}),
            Err(_) => unavailable(),
        }
    }
}
