//! Every configuration variable, once: its name, what it sets, how it is read,
//! and how its default is shown. `blog --help` and README.md's table are both
//! generated from this list; each default is the value of the sections'
//! `Default`, never written here.

use super::Config;

/// How a variable's default is shown.
#[derive(Debug, Clone, Copy)]
pub enum Shown {
    /// The default configuration's value (`None`: unset).
    Value(fn(&Config) -> Option<String>),
    /// A rule, where the default depends on the machine or another variable.
    Rule(&'static str),
}

/// One configuration variable.
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    /// The environment variable's name.
    pub name: &'static str,
    /// What it sets, for the help text and the README.
    pub meaning: &'static str,
    /// How its default is shown.
    pub default: Shown,
    /// Holds a password: never printed, not even in an error.
    pub secret: bool,
    /// Sets the value; `Err` says what the variable expects.
    pub(super) read: fn(&mut Config, &str) -> Result<(), String>,
}

pub(super) const fn var(
    name: &'static str,
    meaning: &'static str,
    default: Shown,
    read: fn(&mut Config, &str) -> Result<(), String>,
) -> Variable {
    Variable {
        name,
        meaning,
        default,
        secret: false,
        read,
    }
}

pub(super) const fn secret(
    name: &'static str,
    meaning: &'static str,
    default: Shown,
    read: fn(&mut Config, &str) -> Result<(), String>,
) -> Variable {
    Variable {
        secret: true,
        ..var(name, meaning, default, read)
    }
}

mod server;
mod service;
mod storage;

/// Every variable, in the order they are applied: the storage ones first
/// (`DATABASE_URL` and `REDIS_URL` before the settings they change).
pub fn all() -> impl Iterator<Item = &'static Variable> {
    storage::STORAGE
        .iter()
        .chain(server::SERVER.iter())
        .chain(service::SERVICE.iter())
}

/// Stores a value read successfully.
pub(super) fn set<T>(field: &mut T, value: Result<T, String>) -> Result<(), String> {
    *field = value?;
    Ok(())
}

/// The variable called `name`, if it is one of ours.
pub fn find(name: &str) -> Option<&'static Variable> {
    all().find(|v| v.name == name)
}
