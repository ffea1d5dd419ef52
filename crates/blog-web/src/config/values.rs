//! Reading and showing the values of configuration variables: numbers within
//! a range, flags, durations. An `Err` says what the variable expects.

use std::time::Duration;

/// A whole number from `min` to `max`.
pub(super) fn whole(text: &str, min: u64, max: u64) -> Result<u64, String> {
    text.parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("a whole number from {min} to {max}"))
}

/// [`whole`], for settings held as `u32`.
pub(super) fn whole_u32(text: &str, min: u32, max: u32) -> Result<u32, String> {
    let n = whole(text, u64::from(min), u64::from(max))?;
    Ok(u32::try_from(n).unwrap_or(max))
}

/// Milliseconds from `min` to `max`.
pub(super) fn millis(text: &str, min: u64, max: u64) -> Result<Duration, String> {
    whole(text, min, max).map(Duration::from_millis)
}

/// Seconds from `min` to `max`.
pub(super) fn seconds(text: &str, min: u64, max: u64) -> Result<Duration, String> {
    whole(text, min, max).map(Duration::from_secs)
}

/// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
pub(super) fn flag(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("true or false".into()),
    }
}

/// Text without spaces or control characters (a key prefix, a hash name).
pub(super) fn name(text: &str) -> Result<String, String> {
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err("a name without spaces".into())
    } else {
        Ok(text.to_owned())
    }
}

/// A duration as the table shows a default given in milliseconds.
pub(super) fn show_millis(d: Duration) -> String {
    d.as_millis().to_string()
}

/// A duration as the table shows a default given in seconds.
pub(super) fn show_seconds(d: Duration) -> String {
    d.as_secs().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_range_checked() {
        assert_eq!(whole("5", 1, 10), Ok(5));
        assert_eq!(whole("0", 1, 10), Err("a whole number from 1 to 10".into()));
        assert!(whole("11", 1, 10).is_err());
        assert!(whole("-1", 0, 10).is_err());
        assert!(whole("10000000000000000000000", 0, u64::MAX).is_err());
        assert_eq!(millis("250", 1, 1000), Ok(Duration::from_millis(250)));
    }

    #[test]
    fn flags_take_the_usual_spellings() {
        for yes in ["true", "TRUE", "1", "yes", "on"] {
            assert_eq!(flag(yes), Ok(true), "{yes}");
        }
        for no in ["false", "0", "no", "Off"] {
            assert_eq!(flag(no), Ok(false), "{no}");
        }
        assert!(flag("maybe").is_err());
    }
}
