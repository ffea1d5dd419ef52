//! The variable table, rendered for people: as Markdown (README.md carries it
//! verbatim; a test keeps the two equal) and as plain text (`blog --help`).

use super::Config;
use super::variables::{Shown, Variable, all};

/// How the default of `variable` reads, and whether it is a literal value.
fn default_of(variable: &Variable, defaults: &Config) -> (String, bool) {
    match variable.default {
        Shown::Value(show) => match show(defaults) {
            Some(value) => (value, true),
            None => ("unset".to_owned(), false),
        },
        Shown::Rule(rule) => (rule.to_owned(), false),
    }
}

/// The Markdown table of every variable: name, default, meaning.
pub fn markdown_table() -> String {
    let defaults = Config::default();
    let mut out = String::from("| variable | default | what |\n|---|---|---|\n");
    for variable in all() {
        let (default, literal) = default_of(variable, &defaults);
        let default = if literal {
            format!("`{default}`")
        } else {
            default
        };
        out.push_str(&format!(
            "| `{}` | {default} | {} |\n",
            variable.name, variable.meaning
        ));
    }
    out
}

/// The plain-text list for `--help`: each variable, its default and meaning.
pub fn help_text() -> String {
    let defaults = Config::default();
    let mut out = String::from(
        "Configuration: environment variables (a BLOG_CONFIG file and ./.env may add to them):\n",
    );
    for variable in all() {
        let (default, _) = default_of(variable, &defaults);
        out.push_str(&format!(
            "\n  {}\n      {} (default: {})\n",
            variable.name,
            variable.meaning.replace('`', ""),
            default.replace('`', "")
        ));
    }
    out
}
