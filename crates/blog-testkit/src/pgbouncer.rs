//! PgBouncer (Debian's, 1.18) in transaction mode on a loopback port, in front
//! of a test database: started by the test that needs it, stopped when dropped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running PgBouncer; dropping it stops the process and removes its files.
pub struct PgBouncer {
    child: Child,
    dir: PathBuf,
    url: String,
}

impl PgBouncer {
    /// Starts PgBouncer in transaction mode before the PostgreSQL database
    /// `database_url` names, with at most `server_connections` connections to
    /// it (few, so that clients really share them). Panics with the reason if
    /// it cannot (`.ci/run` installs the package).
    pub fn start(database_url: &str, server_connections: u32) -> PgBouncer {
        let target = url::Url::parse(database_url).expect("a postgres:// URL");
        let user = match target.username() {
            "" => "postgres",
            user => user,
        };
        let database = target.path().trim_start_matches('/');
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("blog-pgbouncer-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the PgBouncer directory");
        std::fs::write(dir.join("userlist.txt"), format!("\"{user}\" \"\"\n")).expect("userlist");
        let ini = format!(
            "[databases]\n\
             {database} = host={host} port={pg_port} dbname={database} user={user}\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = trust\n\
             auth_file = {userlist}\n\
             pool_mode = transaction\n\
             default_pool_size = {server_connections}\n\
             max_client_conn = 200\n\
             server_reset_query =\n\
             ignore_startup_parameters = extra_float_digits,search_path\n",
            host = target.host_str().unwrap_or("127.0.0.1"),
            pg_port = target.port().unwrap_or(5432),
            userlist = dir.join("userlist.txt").display(),
        );
        let config = dir.join("pgbouncer.ini");
        std::fs::write(&config, ini).expect("pgbouncer.ini");
        let log = std::fs::File::create(dir.join("pgbouncer.log")).expect("PgBouncer log");
        let mut command = Command::new(binary());
        if running_as_root() {
            // PgBouncer refuses to run as root; it drops to this user itself.
            command.args(["-u", "postgres"]);
        }
        let child = command
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start PgBouncer (apt install pgbouncer): {e}"));
        let mut bouncer = PgBouncer {
            child,
            url: format!("postgres://{user}@127.0.0.1:{port}/{database}"),
            dir,
        };
        bouncer.wait_until_listening(port);
        bouncer
    }

    /// The URL clients connect to.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn wait_until_listening(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            let exited = self.child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default();
                panic!("PgBouncer did not start ({exited:?}):\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `pgbouncer` on the PATH, or where Debian puts it (`/usr/sbin`, often
/// outside an ordinary user's PATH).
fn binary() -> PathBuf {
    let sbin = Path::new("/usr/sbin/pgbouncer");
    if sbin.exists() {
        sbin.to_path_buf()
    } else {
        PathBuf::from("pgbouncer")
    }
}

pub(crate) fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A loopback port nobody listens on now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}
