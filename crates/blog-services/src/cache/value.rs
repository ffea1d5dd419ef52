//! What the cache stores: values of the services, encoded as MessagePack with
//! field names, under the version of their shape.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A value the cache may store. Its `SCHEMA` is part of every key it is stored
/// under, so a value whose shape changed (and whose `SCHEMA` was bumped) is
/// never looked for under an old entry: old entries become unreachable, never
/// undecodable. The services' tests pin each shape to its version.
/// It is `Clone` and `'static` because a hit hands out a copy of the value
/// kept decoded in this process ([`super::near`]).
pub trait Cacheable: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The version of the serialized shape; bump it when the shape changes.
    const SCHEMA: u32;
}

impl Cacheable for u64 {
    const SCHEMA: u32 = 1;
}

impl<T: Cacheable> Cacheable for Option<T> {
    const SCHEMA: u32 = T::SCHEMA;
}

impl<T: Cacheable> Cacheable for Vec<T> {
    const SCHEMA: u32 = T::SCHEMA;
}

/// Plain text (tag names, and tests of the cache itself).
impl Cacheable for String {
    const SCHEMA: u32 = 1;
}

/// Plain values, for tests of the cache itself.
#[cfg(any(test, feature = "test-util"))]
impl Cacheable for i32 {
    const SCHEMA: u32 = 1;
}

/// MessagePack with field names: compact, and tolerant of added optional fields.
pub(super) fn encode<T: Serialize>(value: &T) -> Option<Vec<u8>> {
    match rmp_serde::to_vec_named(value) {
        Ok(bytes) => Some(bytes),
        Err(err) => {
            tracing::error!(error = %err, "a value could not be encoded for the cache");
            None
        }
    }
}

/// `None` for bytes that do not decode: treated as a miss.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    rmp_serde::from_slice(bytes).ok()
}
