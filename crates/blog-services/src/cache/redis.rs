//! The Redis backend: tag versions and values in Redis, each lookup one atomic
//! Lua call, over the process's shared [`RedisPool`].

use std::time::Duration;

use redis::Script;

use super::Lookup;
use crate::redis::{RedisFailure, RedisPool};

/// Tag versions live this long after their last bump (or creation). Expiry is
/// safe: a version created again starts from the server clock, above every
/// version it had before, so values stored under old versions stay unreachable.
const VERSION_TTL_MS: u64 = 7 * 24 * 3600 * 1000;

/// Reads the versions of the tags (KEYS), creating a missing one from the
/// server clock (microseconds), and the value stored under ARGV[1] at those
/// versions; returns `{versioned_key, value or nil}`. One round trip, atomic.
const LOOKUP: &str = r"
local parts = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if not v then
    local t = redis.call('TIME')
    v = t[1] .. string.format('%06d', tonumber(t[2]))
    redis.call('SET', key, v, 'PX', ARGV[2])
  end
  parts[i] = v
end
local full = ARGV[1] .. '@' .. table.concat(parts, '.')
return {full, redis.call('GET', full)}
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
    lookup: Script,
    bump: Script,
}

impl RedisStore {
    pub(super) fn new(pool: RedisPool) -> Self {
        RedisStore {
            pool,
            lookup: Script::new(LOOKUP),
            bump: Script::new(BUMP),
        }
    }

    /// True while the pool skips Redis after a failure.
    pub(super) fn backing_off(&self) -> bool {
        self.pool.backing_off()
    }

    pub(super) async fn lookup(
        &self,
        base: &str,
        tag_keys: &[String],
    ) -> Result<Lookup, RedisFailure> {
        self.pool
            .run(async |conn| {
                let mut invocation = self.lookup.prepare_invoke();
                for key in tag_keys {
                    invocation.key(key);
                }
                invocation.arg(base).arg(VERSION_TTL_MS);
                let (key, value): (String, Option<Vec<u8>>) = invocation.invoke_async(conn).await?;
                Ok(Lookup { key, value })
            })
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
            .run(async |conn| {
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
