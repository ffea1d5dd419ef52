//! Where configuration values come from, strongest first: the process
//! environment, the file `BLOG_CONFIG` names, and `./.env`. Files are read with
//! a real dotenv parser (quotes, `export`, comments); a malformed line stops the
//! start naming the file and the line. Only our own variables are looked up, so
//! a non-UTF-8 variable of somebody else's never matters.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::ConfigError;
use super::variables::{all, find};

/// The values found for our variables, and names that look like ours but are not.
#[derive(Debug, Default)]
pub(super) struct Values {
    /// Variable name to its (non-empty, trimmed) value.
    pub(super) found: HashMap<&'static str, String>,
    /// `BLOG_*` names no variable has: probably typos, worth a warning.
    pub(super) unknown: Vec<String>,
}

/// Reads every source. `env` looks up one process variable; `dir` is where
/// `.env` may be.
pub(super) fn read(
    env: &dyn Fn(&str) -> Option<OsString>,
    env_names: &mut dyn Iterator<Item = OsString>,
    dir: &Path,
) -> Result<Values, ConfigError> {
    let mut values = Values::default();
    let dotenv = dir.join(".env");
    if dotenv.is_file() {
        values.merge(read_file(&dotenv)?);
    }
    if let Some(path) = env("BLOG_CONFIG") {
        let path = PathBuf::from(path);
        values.merge(read_file(&path)?);
    }
    for variable in all() {
        if let Some(raw) = env(variable.name) {
            let text = raw.into_string().map_err(|_| ConfigError::NotUnicode {
                variable: variable.name.to_owned(),
            })?;
            values.set(variable.name, &text);
        }
    }
    for name in env_names {
        if let Some(name) = name.to_str()
            && name.starts_with("BLOG_")
            && find(name).is_none()
        {
            values.unknown.push(name.to_owned());
        }
    }
    Ok(values)
}

impl Values {
    /// Takes `other`'s values over ours (a stronger source read later).
    fn merge(&mut self, other: Vec<(String, String)>) {
        for (key, value) in other {
            match find(&key) {
                Some(variable) => self.set(variable.name, &value),
                None if key.starts_with("BLOG_") => self.unknown.push(key),
                None => {}
            }
        }
    }

    /// Sets `name`; an empty value means unset.
    fn set(&mut self, name: &'static str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            self.found.remove(name);
        } else {
            self.found.insert(name, value.to_owned());
        }
    }
}

/// Every `KEY=VALUE` of the dotenv file at `path`, in order.
fn read_file(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
        path: path.display().to_string(),
        source,
    })?;
    let mut pairs = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok(pair) => pairs.push(pair),
            Err(err) => {
                return Err(ConfigError::File {
                    path: path.display().to_string(),
                    line: line_of(&text, &err),
                    problem: problem(&err),
                });
            }
        }
    }
    Ok(pairs)
}

/// The 1-based line of `text` the parser stopped at.
fn line_of(text: &str, err: &dotenvy::Error) -> usize {
    let dotenvy::Error::LineParse(bad, _) = err else {
        return 0;
    };
    let first = bad.lines().next().unwrap_or_default().trim_end();
    text.lines()
        .position(|line| line.trim_end() == first)
        .map_or(0, |i| i + 1)
}

/// What is wrong, without echoing the line (it may hold a password).
fn problem(err: &dotenvy::Error) -> String {
    match err {
        dotenvy::Error::LineParse(_, at) => {
            format!("not a KEY=VALUE line (the parser stopped at character {at})")
        }
        other => other.to_string(),
    }
}
