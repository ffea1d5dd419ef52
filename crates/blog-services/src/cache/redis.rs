//! The Redis backend: tag versions and values in Redis, over the process's
//! shared [`RedisPool`] (lookups and stores on each thread's own connection,
//! the bumps on the pool's). A lookup reads the versions (one `MGET`; a Lua call
//! when one must be created), then the value only if this process has no
//! near copy of it ([`super::near`]).

use std::time::Duration;

use redis::Script;

use crate::redis::{RedisFailure, RedisPool};

/// Tag versions live this long after their last bump (or creation). Expiry is
/// safe: a version created again starts from the server clock, above every
/// version it had before, so values stored under old versions stay unreachable.
const VERSION_TTL_MS: u64 = 7 * 24 * 3600 * 1000;

/// Reads the versions of the tags (KEYS), creating a missing one from the
/// server clock (microseconds); returns them in order. Atomic.
const VERSIONS: &str = r"
local versions = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if not v then
    local t = redis.call('TIME')
    v = t[1] .. string.format('%06d', tonumber(t[2]))
    redis.call('SET', key, v, 'PX', ARGV[1])
  end
  versions[i] = v
end
return versions
";

/// Bumps the version of every tag (KEYS); a missing one starts from the server
/// clock, so a version never returns to a value it had before.
const BUMP: &str = r"
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 0 then
    local t = redis.call('TIME')
    redis.call('SET', key, t[1] .. string.format('%06d', tonumber(t[2])))
  end
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS
";

/// Values and tag versions in Redis.
pub(super) struct RedisStore {
    pool: RedisPool,
    versions: Script,
    bump: Script,
}

impl RedisStore {
    pub(super) fn new(pool: RedisPool) -> Self {
        RedisStore {
            pool,
            versions: Script::new(VERSIONS),
            bump: Script::new(BUMP),
        }
    }

    /// True while the pool skips Redis after a failure.
    pub(super) fn backing_off(&self) -> bool {
        self.pool.backing_off()
    }

    /// `base` under the current versions of `tag_keys`.
    pub(super) async fn versioned_key(
        &self,
        base: &str,
        tag_keys: &[String],
    ) -> Result<String, RedisFailure> {
        self.pool
            .run_shared(async |conn| {
                let mut versions: Vec<Option<String>> =
                    redis::cmd("MGET").arg(tag_keys).query_async(conn).await?;
                if versions.iter().any(Option::is_none) {
                    let mut invocation = self.versions.prepare_invoke();
                    for key in tag_keys {
                        invocation.key(key);
                    }
                    invocation.arg(VERSION_TTL_MS);
                    let created: Vec<String> = invocation.invoke_async(conn).await?;
                    versions = created.into_iter().map(Some).collect();
                }
                let mut key = String::with_capacity(base.len() + 17 * versions.len());
                key.push_str(base);
                for (i, version) in versions.iter().enumerate() {
                    key.push(if i == 0 { '@' } else { '.' });
                    key.push_str(version.as_deref().unwrap_or_default());
                }
                Ok(key)
            })
            .await
    }

    /// The bytes stored under the versioned `key`, if any.
    pub(super) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, RedisFailure> {
        self.pool
            .run_shared(async |conn| redis::cmd("GET").arg(key).query_async(conn).await)
            .await
    }

    pub(super) async fn set(
        &self,
        key: &str,
        bytes: Vec<u8>,
        ttl: Duration,
    ) -> Result<(), RedisFailure> {
        let millis = ttl.as_millis().max(1) as u64;
        self.pool
            .run_shared(async |conn| {
                redis::cmd("SET")
                    .arg(key)
                    .arg(bytes)
                    .arg("PX")
                    .arg(millis)
                    .query_async(conn)
                    .await
            })
            .await
    }

    /// Bumps the tags' versions; tried even while the pool backs off.
    pub(super) async fn bump(&self, tag_keys: &[String]) -> Result<(), RedisFailure> {
        self.pool
            .run_regardless(async |conn| {
                let mut invocation = self.bump.prepare_invoke();
                for key in tag_keys {
                    invocation.key(key);
                }
                invocation.arg(VERSION_TTL_MS);
                let _: i64 = invocation.invoke_async(conn).await?;
                Ok(())
            })
            .await
    }
}
