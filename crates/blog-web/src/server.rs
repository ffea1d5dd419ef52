//! The HTTP server's settings (what gunicorn's cover) and the request limits
//! it enforces before any handler runs.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_web::dev::{Server, ServiceRequest};
use actix_web::{HttpServer, web};

use crate::client::IpRange;
use crate::error::AppError;
use crate::routes;
use crate::state::AppState;

/// The `server` section of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The address to listen on (port 0: any free port, as tests use).
    pub bind: SocketAddr,
    /// Worker threads, each with its own event loop.
    pub workers: usize,
    /// Connections the kernel queues before they are accepted.
    pub backlog: u32,
    /// Connections one worker serves at once.
    pub max_connections_per_worker: usize,
    /// How long an idle keep-alive connection stays open (zero: none).
    pub keep_alive: Duration,
    /// How long a client has to send a request's head.
    pub client_request_timeout: Duration,
    /// How long requests in flight may take to finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// The sizes a request may reach.
    pub limits: RequestLimits,
    /// Proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` / `X-Request-Id`
    /// are believed (none: every client is its peer address).
    pub trusted_proxies: Vec<IpRange>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8000)),
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            backlog: 2048,
            max_connections_per_worker: 25_000,
            keep_alive: Duration::from_secs(5),
            client_request_timeout: Duration::from_secs(5),
            shutdown_timeout: Duration::from_secs(30),
            limits: RequestLimits::default(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// How large a request may be; gunicorn's `limit_request_*` defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Bytes of method, path, query and version (414 above).
    pub request_line: usize,
    /// Bytes of one header's name and value (431 above).
    pub header_field: usize,
    /// Header fields (431 above).
    pub header_count: usize,
    /// Bytes of a write's body (413 above).
    pub body: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            request_line: 4094,
            header_field: 8190,
            header_count: 64,
            body: 1024 * 1024,
        }
    }
}

impl RequestLimits {
    /// The refusal `req` has earned, if any (checked before any handler runs).
    pub fn check(&self, req: &ServiceRequest) -> Result<(), AppError> {
        let uri = req.uri();
        let target = uri.path_and_query().map_or(0, |pq| pq.as_str().len());
        // "GET " + target + " HTTP/1.1"
        if req.method().as_str().len() + 1 + target + 9 > self.request_line {
            return Err(AppError::UriTooLong(self.request_line));
        }
        let headers = req.headers();
        if headers.len() > self.header_count {
            return Err(AppError::HeadersTooLarge(format!(
                "more than {} header fields",
                self.header_count
            )));
        }
        if let Some((name, _)) = headers
            .iter()
            .find(|(name, value)| name.as_str().len() + 2 + value.len() > self.header_field)
        {
            return Err(AppError::HeadersTooLarge(format!(
                "the {name} header is longer than {} bytes",
                self.header_field
            )));
        }
        Ok(())
    }
}

/// Starts serving `state` on `listener` as `config` says; await the result to
/// run. SIGTERM and SIGINT stop it gracefully: it stops accepting, lets the
/// requests in flight finish within the shutdown timeout, then returns.
pub fn serve(
    listener: TcpListener,
    state: AppState,
    config: &ServerConfig,
) -> std::io::Result<Server> {
    let state = web::Data::new(state);
    let server = HttpServer::new(move || routes::app(state.clone()))
        .workers(config.workers)
        .backlog(config.backlog)
        .max_connections(config.max_connections_per_worker)
        .keep_alive(if config.keep_alive.is_zero() {
            actix_web::http::KeepAlive::Disabled
        } else {
            actix_web::http::KeepAlive::Timeout(config.keep_alive)
        })
        .client_request_timeout(config.client_request_timeout)
        // A response written in parts (a compressed body) must not wait for
        // the peer's delayed ACK: behind nginx that cost 40 ms a request.
        .tcp_nodelay(true)
        .shutdown_timeout(config.shutdown_timeout.as_secs())
        .listen(listener)?
        .run();
    Ok(server)
}
