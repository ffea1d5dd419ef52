//! How the server takes connections and requests: what gunicorn's settings
//! cover in front of a Django site.

use super::{Shown, Variable, set, var};
use crate::config::values::{millis, seconds, show_millis, show_seconds, whole};

/// The server variables.
pub(super) static SERVER: &[Variable] = &[
    var(
        "BLOG_BIND",
        "the address to serve on",
        Shown::Value(|c| Some(c.server.bind.to_string())),
        |c, v| {
            c.server.bind = v
                .parse()
                .map_err(|_| "an address such as 127.0.0.1:8000".to_owned())?;
            Ok(())
        },
    ),
    var(
        "BLOG_WORKERS",
        "server worker threads",
        Shown::Rule("the number of cores"),
        |c, v| set(&mut c.server.workers, whole(v, 1, 1024).map(|n| n as usize)),
    ),
    var(
        "BLOG_BACKLOG",
        "connections the kernel queues before the server accepts them",
        Shown::Value(|c| Some(c.server.backlog.to_string())),
        |c, v| set(&mut c.server.backlog, whole(v, 1, 65_535).map(|n| n as u32)),
    ),
    var(
        "BLOG_MAX_CONNECTIONS_PER_WORKER",
        "open connections a worker serves at once; more wait in the backlog",
        Shown::Value(|c| Some(c.server.max_connections_per_worker.to_string())),
        |c, v| {
            set(
                &mut c.server.max_connections_per_worker,
                whole(v, 1, 1_000_000).map(|n| n as usize),
            )
        },
    ),
    var(
        "BLOG_KEEP_ALIVE_S",
        "an idle keep-alive connection is closed after this long (0: no keep-alive)",
        Shown::Value(|c| Some(show_seconds(c.server.keep_alive))),
        |c, v| set(&mut c.server.keep_alive, seconds(v, 0, 3_600)),
    ),
    var(
        "BLOG_CLIENT_REQUEST_TIMEOUT_MS",
        "a client must send a request's head within this long (408 after)",
        Shown::Value(|c| Some(show_millis(c.server.client_request_timeout))),
        |c, v| set(&mut c.server.client_request_timeout, millis(v, 1, 600_000)),
    ),
    var(
        "BLOG_SHUTDOWN_TIMEOUT_S",
        "on SIGTERM or SIGINT, requests in flight get this long to finish",
        Shown::Value(|c| Some(show_seconds(c.server.shutdown_timeout))),
        |c, v| set(&mut c.server.shutdown_timeout, seconds(v, 0, 3_600)),
    ),
    var(
        "BLOG_MAX_REQUEST_LINE",
        "the longest request line (method, path and query) in bytes (414 above)",
        Shown::Value(|c| Some(c.server.limits.request_line.to_string())),
        |c, v| {
            set(
                &mut c.server.limits.request_line,
                whole(v, 64, 65_536).map(|n| n as usize),
            )
        },
    ),
    var(
        "BLOG_MAX_HEADER_BYTES",
        "the longest header field (name and value) in bytes (431 above)",
        Shown::Value(|c| Some(c.server.limits.header_field.to_string())),
        |c, v| {
            set(
                &mut c.server.limits.header_field,
                whole(v, 64, 65_536).map(|n| n as usize),
            )
        },
    ),
    var(
        "BLOG_MAX_HEADERS",
        "the most header fields a request may carry (431 above; actix-web's parser stops at 96)",
        Shown::Value(|c| Some(c.server.limits.header_count.to_string())),
        |c, v| {
            set(
                &mut c.server.limits.header_count,
                whole(v, 1, 96).map(|n| n as usize),
            )
        },
    ),
    var(
        "BLOG_MAX_BODY_BYTES",
        "the largest body a write reads, after its token is checked (413 above)",
        Shown::Value(|c| Some(c.server.limits.body.to_string())),
        |c, v| {
            set(
                &mut c.server.limits.body,
                whole(v, 1_024, 64 << 20).map(|n| n as usize),
            )
        },
    ),
];
