//! The `log` section of the configuration, and the process's log subscriber.
//! Every request's events carry its `request_id` (see [`crate::access_log`]).

use tracing_subscriber::EnvFilter;

/// What is logged, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// The tracing filter (`RUST_LOG`), validated when read.
    pub filter: String,
    /// Lines for people, or JSON objects for a log shipper.
    pub format: LogFormat,
}

/// How a log event is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `2026-12-01T12:00:00Z  INFO request{request_id=...}: access: request method=GET ...`
    Text,
    /// One JSON object a line, the span's fields (the request id) included.
    Json,
}

impl LogFormat {
    /// The name `BLOG_LOG_FORMAT` takes.
    pub fn name(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            filter: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// Installs the process's subscriber on stdout.
pub fn init(config: &LogConfig) {
    // The filter was validated when the configuration was read.
    let filter = EnvFilter::try_new(&config.filter)
        .unwrap_or_else(|_| EnvFilter::new(LogConfig::default().filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match config.format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
    }
}
