//! The `log` section of the configuration, and the process's log subscriber.

use tracing_subscriber::EnvFilter;

/// What is logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// The tracing filter (`RUST_LOG`), validated when read.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            filter: "info".into(),
        }
    }
}

/// Installs the process's subscriber: human-readable lines on stdout.
pub fn init(config: &LogConfig) {
    // The filter was validated when the configuration was read.
    let filter = EnvFilter::try_new(&config.filter)
        .unwrap_or_else(|_| EnvFilter::new(LogConfig::default().filter));
    tracing_subscriber::fmt().with_env_filter(filter).init();
}
