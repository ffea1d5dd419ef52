//! A TCP proxy on loopback that a test cuts and restores, to stand between
//! the service and a real server (Redis, PostgreSQL, PgBouncer) and make that
//! server "die" without touching it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The proxy; it stops when dropped.
pub struct FaultProxy {
    address: SocketAddr,
    open: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on an ephemeral loopback port, forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("a bound address");
        let open = Arc::new(AtomicBool::new(true));
        let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (flag, tasks) = (open.clone(), connections.clone());
        let acceptor = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    drop(client); // refused: closed at once
                    continue;
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                let mut tasks = tasks.lock().expect("never poisoned");
                tasks.retain(|t| !t.is_finished());
                tasks.push(task);
            }
        });
        FaultProxy {
            address,
            open,
            connections,
            acceptor,
        }
    }

    /// Where clients connect.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn url_for(&self, url: &str) -> String {
        let mut parsed = url::Url::parse(url).expect("a valid URL");
        parsed
            .set_host(Some(&self.address.ip().to_string()))
            .expect("an IP host");
        parsed
            .set_port(Some(self.address.port()))
            .expect("a URL with a port");
        parsed.to_string()
    }

    /// The server "dies": every open connection is cut, new ones are closed
    /// at once.
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for task in self.connections.lock().expect("never poisoned").drain(..) {
            task.abort();
        }
    }

    /// The server is back.
    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.acceptor.abort();
        self.cut();
    }
}

/// The `host:port` a `redis://` or `postgres://` URL names (loopback 6379 or
/// 5432 when it names none).
pub fn upstream_of(url: &str) -> SocketAddr {
    let parsed = url::Url::parse(url).expect("a valid URL");
    let default_port = if parsed.scheme().starts_with("redis") {
        6379
    } else {
        5432
    };
    let host = match parsed.host_str() {
        Some("localhost") | None => "127.0.0.1",
        Some(host) => host,
    };
    format!("{host}:{}", parsed.port().unwrap_or(default_port))
        .parse()
        .expect("an IP host")
}
