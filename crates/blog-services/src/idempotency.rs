//! `Idempotency-Key` on the writes that create something (`POST /api/posts/`,
//! `POST /api/posts/{id}/comments/`). The key is claimed in the write's own
//! transaction and the response stored there too, so either both commit or
//! neither does: a client that got no answer (a cut connection, a timeout)
//! retries with the same key and gets the first response, and the write
//! happens once. A key is per user and kept 24 hours.

use std::time::Duration;

use blog_repositories::idempotency::{self, Claim};
use blog_repositories::{DbTransaction, Writer};
use chrono::Utc;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::ServiceError;

/// How long a key is remembered.
pub const IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// The longest key accepted.
const MAX_KEY_LEN: usize = 255;

/// A client's key and the fingerprint of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    key: String,
    request_hash: String,
}

impl IdempotencyKey {
    /// The key `header` sent with `request` (the path and body, which a retry
    /// repeats byte for byte); 400 unless it is 1 to 255 visible ASCII
    /// characters.
    pub fn new(header: &str, request: &[&[u8]]) -> Result<Self, ServiceError> {
        let valid = !header.is_empty()
            && header.len() <= MAX_KEY_LEN
            && header.bytes().all(|b| b.is_ascii_graphic());
        if !valid {
            return Err(ServiceError::BadRequest(format!(
                "Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"
            )));
        }
        let mut hash = Sha256::new();
        for part in request {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        Ok(IdempotencyKey {
            key: header.to_owned(),
            request_hash: hex::encode(hash.finalize()),
        })
    }
}

/// Claims `key` for `user_id` in the writer's transaction: `Some(first
/// response)` when it was used already (the caller returns that, and its
/// transaction rolls back), `None` when the write goes ahead.
pub(crate) async fn replay<T: DeserializeOwned>(
    writer: &mut Writer<DbTransaction>,
    user_id: i32,
    key: Option<&IdempotencyKey>,
) -> Result<Option<T>, ServiceError> {
    let Some(key) = key else {
        return Ok(None);
    };
    let now = Utc::now();
    let claim = idempotency::claim(
        writer,
        user_id,
        &key.key,
        &key.request_hash,
        now,
        now - IDEMPOTENCY_WINDOW,
    )
    .await?;
    let (request_hash, response) = match claim {
        Claim::Fresh => return Ok(None),
        Claim::Used {
            request_hash,
            response,
        } => (request_hash, response),
    };
    if request_hash != key.request_hash {
        return Err(ServiceError::Conflict(
            "this Idempotency-Key was used with a different request".into(),
        ));
    }
    let first = response
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(|| {
            ServiceError::Conflict(
                "the first request with this Idempotency-Key is unfinished".into(),
            )
        })?;
    Ok(Some(first))
}

/// Stores `response` as the answer to `key`, in the writer's transaction.
pub(crate) async fn remember<T: Serialize>(
    writer: &mut Writer<DbTransaction>,
    user_id: i32,
    key: Option<&IdempotencyKey>,
    response: &T,
) -> Result<(), ServiceError> {
    let Some(key) = key else {
        return Ok(());
    };
    let json = serde_json::to_string(response).expect("the services' values serialize to JSON");
    idempotency::store_response(writer, user_id, &key.key, json).await?;
    Ok(())
}
