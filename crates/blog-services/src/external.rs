//! The dashboard's external statistics source: one HTTP client for the process,
//! a 2 s total timeout, and a typed failure instead of an error response.

use std::time::Duration;

use blog_repositories::SecretUrl;
use serde_json::Value;

/// How long the external API may take, in total.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// Why the external API gave nothing; the message is what the dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ExternalFailure {
    /// It did not answer within [`TIMEOUT`].
    #[error("External API timeout")]
    Timeout,
    /// Not configured, unreachable, not a 200, or not JSON.
    #[error("External API unavailable")]
    Unavailable,
}

/// `BLOG_EXTERNAL_API_URL`, fetched with a shared client.
#[derive(Debug, Clone)]
pub struct ExternalApi {
    client: reqwest::Client,
    url: Option<SecretUrl>,
}

impl ExternalApi {
    /// A client for `url` (none: the dashboard reports the API unavailable).
    pub fn new(url: Option<SecretUrl>) -> Self {
        // reqwest is built without a default TLS provider: use ring, as sqlx does.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(1))
            .build()
            .expect("a client with a TLS provider and timeouts builds");
        ExternalApi { client, url }
    }

    /// The API's JSON, whatever its shape.
    pub async fn fetch(&self) -> Result<Value, ExternalFailure> {
        let url = self.url.as_ref().ok_or(ExternalFailure::Unavailable)?;
        let classify = |err: reqwest::Error| {
            if err.is_timeout() {
                ExternalFailure::Timeout
            } else {
                // Without the URL: it may carry credentials.
                tracing::debug!(error = %err.without_url(), "external API unreachable");
                ExternalFailure::Unavailable
            }
        };
        let response = self
            .client
            .get(url.expose())
            .send()
            .await
            .map_err(classify)?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(ExternalFailure::Unavailable);
        }
        response.json::<Value>().await.map_err(classify)
    }
}
