//! What the tests that run the `blog` binary share.

use std::path::Path;
use std::process::Command;

/// The binary under test.
const BLOG: &str = env!("CARGO_BIN_EXE_blog");

/// `blog` in `dir`, with nothing of the test process's environment that
/// would select another database, Redis or setting (`BLOG_*`).
pub fn blog_command(dir: &Path) -> Command {
    let mut cmd = Command::new(BLOG);
    cmd.current_dir(dir);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("BLOG_") || key == "DATABASE_URL" || key == "REDIS_URL" {
            cmd.env_remove(key.as_ref());
        }
    }
    cmd
}
