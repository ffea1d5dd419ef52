//! The tag versions of the in-process backend (the embedded default, and the
//! tests' when no Redis is given); its values are in the [`super::near`] cache.

use std::collections::HashMap;
use std::sync::Mutex;

/// One counter per tag ever invalidated: as many as posts, users, categories
/// and tags.
#[derive(Default)]
pub(super) struct MemoryStore {
    versions: Mutex<HashMap<String, u64>>,
}

impl MemoryStore {
    /// `base` under the current versions of `tag_keys`.
    pub(super) fn versioned_key(&self, base: &str, tag_keys: &[String]) -> String {
        let versions = self.versions.lock().expect("versions lock");
        let mut key = String::with_capacity(base.len() + 4 * tag_keys.len());
        key.push_str(base);
        for (i, tag) in tag_keys.iter().enumerate() {
            key.push(if i == 0 { '@' } else { '.' });
            key.push_str(&versions.get(tag).copied().unwrap_or(0).to_string());
        }
        key
    }

    pub(super) fn bump(&self, tag_keys: &[String]) {
        let mut versions = self.versions.lock().expect("versions lock");
        for key in tag_keys {
            *versions.entry(key.clone()).or_insert(0) += 1;
        }
    }
}
