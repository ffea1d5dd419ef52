//! The configuration as an operator meets it, through the `blog` binary:
//! `--help` lists every variable, `.env` is read, a non-UTF-8 variable of
//! somebody else's is harmless, and no password reaches an error or a log line.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use blog_web::config::variables;

const BLOG: &str = env!("CARGO_BIN_EXE_blog");

/// A scratch working directory, removed afterwards.
struct WorkDir(std::path::PathBuf);

impl WorkDir {
    fn new(name: &str) -> WorkDir {
        let dir = std::env::temp_dir().join(format!("blog-cfg-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        WorkDir(dir)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `blog` in `dir`, with none of the caller's configuration.
fn blog(dir: &WorkDir) -> Command {
    let mut cmd = Command::new(BLOG);
    cmd.current_dir(&dir.0);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("BLOG_") || key == "DATABASE_URL" || key == "REDIS_URL" {
            cmd.env_remove(key.as_ref());
        }
    }
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_lists_every_variable_with_its_default() {
    let dir = WorkDir::new("help");
    for args in [&["--help"][..], &["serve", "--help"]] {
        let output = blog(&dir).args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        let help = text(&output.stdout);
        for variable in variables::all() {
            assert!(
                help.contains(variable.name),
                "{args:?} names {}",
                variable.name
            );
        }
        assert!(help.contains("default: 127.0.0.1:8000"), "{help}");
        assert!(help.contains("default: the number of cores"), "{help}");
    }
}

#[test]
fn a_dotenv_file_in_the_working_directory_is_read() {
    let dir = WorkDir::new("dotenv");
    std::fs::write(dir.0.join(".env"), "export BLOG_DB_MAX_CONNECTIONS=lots\n").unwrap();
    let output = blog(&dir).arg("migrate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr).trim(),
        "blog: invalid configuration: BLOG_DB_MAX_CONNECTIONS=\"lots\": a whole number from 1 to 10000"
    );
    // The real environment wins over the file.
    let output = blog(&dir)
        .arg("migrate")
        .env("BLOG_DB_MAX_CONNECTIONS", "8")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn a_non_utf8_variable_of_somebody_elses_is_harmless() {
    let dir = WorkDir::new("unicode");
    let output = blog(&dir)
        .arg("migrate")
        .env("SOMEONE_ELSES", OsStr::from_bytes(b"caf\xe9"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = blog(&dir)
        .arg("migrate")
        .env("BLOG_BIND", OsStr::from_bytes(b"caf\xe9"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("BLOG_BIND is not valid UTF-8"));
}

#[test]
fn a_database_password_never_reaches_the_error() {
    let dir = WorkDir::new("db-secret");
    let output = blog(&dir)
        .arg("migrate")
        .env("DATABASE_URL", "postgres://blog:pg-s3cret@127.0.0.1:1/blog")
        .env("BLOG_DB_ACQUIRE_TIMEOUT_MS", "500")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("blog: cannot connect to the database (postgres://blog:***@127.0.0.1:1/blog): caused by:"),
        "{stderr}"
    );
    for out in [&output.stdout, &output.stderr] {
        assert!(!text(out).contains("pg-s3cret"), "{}", text(out));
    }
}

/// A child process that is killed however the test ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_redis_password_never_reaches_a_log_line() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = WorkDir::new("redis-secret");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let logs = dir.0.join("out.log");
    let child = blog(&dir)
        .arg("serve")
        .env("BLOG_BIND", format!("127.0.0.1:{port}"))
        .env("BLOG_WORKERS", "1")
        .env("REDIS_URL", "redis://:redis-s3cret@127.0.0.1:1/0")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::from(std::fs::File::create(&logs).unwrap()))
        .stderr(Stdio::from(
            std::fs::File::create(dir.0.join("err.log")).unwrap(),
        ))
        .spawn()
        .unwrap();
    let server = Running(child);
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let mut pages = 0;
    while started.elapsed() < Duration::from_secs(120) && pages < 3 {
        if let Ok(r) = reqwest::get(format!("{base}/blog/")).await
            && r.status() == 200
        {
            pages += 1;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        pages, 3,
        "the site serves from the database with Redis gone"
    );
    drop(server);
    let written = std::fs::read_to_string(&logs).unwrap()
        + &std::fs::read_to_string(dir.0.join("err.log")).unwrap();
    assert!(
        written.contains("cache unavailable"),
        "the outage is logged: {written}"
    );
    assert!(!written.contains("redis-s3cret"), "{written}");
}
