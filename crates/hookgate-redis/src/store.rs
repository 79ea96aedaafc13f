//! [`RedisStore`]: the idempotency store on Redis.
//!
//! - claim: `SET key <token> NX PX <lease>`, and in the same script, when the key exists, whether
//!   it is done or in flight (with its remaining lease): one round trip;
//! - complete: `SET key done PX <ttl>` only if the stored token is the caller's: one round trip;
//! - release: `DEL key` only if the stored token is the caller's: one round trip.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hookgate_core::{Claim, ClaimToken, IdempotencyKey, IdempotencyStore, StoreError, StoreErrorKind};
use redis::aio::ConnectionManager;

use crate::{Failure, connect, delivery_key, failure, millis};

const CLAIM: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end
local v = redis.call('GET', KEYS[1])
if v == 'done' then return -2 end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then left = 0 end
return left
";

const COMPLETE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
  return 1
end
return 0
";

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// The token that marks a claim made while Redis was down in fail-open mode.
const FAIL_OPEN_TOKEN: u64 = 0;

/// The Redis idempotency store. Cheap to clone (one shared, multiplexed connection).
///
/// While Redis is unreachable, claims fail and the request is answered 503 + `Retry-After` (fail
/// closed, the default), or, with [`RedisStoreBuilder::fail_open`], processed without dedupe
/// (logged).
///
/// ```no_run
/// # async fn demo() -> Result<(), hookgate_core::StoreError> {
/// use hookgate_core::{Endpoint, Preset, Verifier};
/// use hookgate_redis::RedisStore;
///
/// let store = RedisStore::builder("redis://127.0.0.1:6379").prefix("myapp:hooks:").build().await?;
/// let verifier = Verifier::for_preset(Preset::Github, &["s3cret"]).unwrap();
/// let endpoint = Endpoint::builder("/webhooks/github", verifier).store(store).build().unwrap();
/// # let _ = endpoint; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    inner: Arc<Inner>,
}

struct Inner {
    prefix: String,
    fail_open: bool,
    claim: redis::Script,
    complete: redis::Script,
    release: redis::Script,
    seed: u64,
    counter: AtomicU64,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.inner.prefix)
            .field("fail_open", &self.inner.fail_open)
            .finish()
    }
}

/// Configures a [`RedisStore`].
#[must_use]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    fail_open: bool,
    timeout: Duration,
}

impl RedisStoreBuilder {
    /// The key prefix (default `hookgate:`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }
    /// When Redis is unreachable, process deliveries without dedupe instead of answering 503.
    /// Duplicates may then be processed twice; each such delivery is logged.
    pub fn fail_open(mut self, yes: bool) -> Self {
        self.fail_open = yes;
        self
    }
    /// How long one command may take before it counts as a failure (default 1 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Connects (the first connection must succeed; later ones are retried by themselves).
    pub async fn build(self) -> Result<RedisStore, StoreError> {
        let conn = connect(&self.url, self.timeout)
            .await
            .map_err(|e| store_error(e, format!("cannot connect to Redis at {}", self.url)))?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Ok(RedisStore {
            conn,
            inner: Arc::new(Inner {
                prefix: self.prefix,
                fail_open: self.fail_open,
                claim: redis::Script::new(CLAIM),
                complete: redis::Script::new(COMPLETE),
                release: redis::Script::new(RELEASE),
                seed: (now.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32),
                counter: AtomicU64::new(1),
            }),
        })
    }
}

/// SplitMix64: turns (seed, counter) into well-spread, non-zero tokens unique to this process.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RedisStore {
    /// Starts configuring a store for `url` (`redis://host:port/db`).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: "hookgate:".into(),
            fail_open: false,
            timeout: Duration::from_secs(1),
        }
    }

    /// Whether Redis answers (a `PING`), for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        redis::cmd("PING").query_async::<()>(&mut conn).await.map_err(|e| store_error(e, "Redis"))
    }

    fn key(&self, key: &IdempotencyKey) -> String {
        delivery_key(&self.inner.prefix, key)
    }

    fn token(&self) -> u64 {
        let n = self.inner.counter.fetch_add(1, Ordering::Relaxed);
        match mix(self.inner.seed ^ n.rotate_left(32) ^ n) {
            FAIL_OPEN_TOKEN => 1,
            t => t,
        }
    }

    fn unavailable(&self, e: redis::RedisError) -> StoreError {
        store_error(e, "Redis")
    }
}

/// A Redis client error as a typed store error.
fn store_error(e: redis::RedisError, context: impl std::fmt::Display) -> StoreError {
    let kind = match failure(&e) {
        Failure::Timeout => StoreErrorKind::Timeout,
        Failure::Unavailable => StoreErrorKind::Unavailable,
        Failure::Protocol => StoreErrorKind::Protocol,
    };
    StoreError::new(kind, format!("{context}: {e}")).with_source(e)
}

impl RedisStore {
    /// The claim script: stores `value` for `px` unless the key exists; answers for `token`.
    async fn run_claim(
        &self,
        key: &IdempotencyKey,
        value: String,
        px: Duration,
        token: u64,
    ) -> Result<Claim, StoreError> {
        let mut conn = self.conn.clone();
        let res: Result<i64, _> =
            self.inner.claim.key(self.key(key)).arg(value).arg(millis(px)).invoke_async(&mut conn).await;
        match res {
            Ok(-1) => Ok(Claim::Acquired(ClaimToken::new(token))),
            Ok(-2) => Ok(Claim::Done),
            Ok(left) => Ok(Claim::InFlight {
                retry_after: Duration::from_millis(left.max(0) as u64).max(Duration::from_secs(1)),
            }),
            Err(e) if self.inner.fail_open => {
                tracing::warn!(key = key.as_str(), error = %e, "Redis unreachable: processing WITHOUT dedupe (fail open)");
                Ok(Claim::Acquired(ClaimToken::new(FAIL_OPEN_TOKEN)))
            }
            Err(e) => Err(self.unavailable(e)),
        }
    }
}

impl IdempotencyStore for RedisStore {
    async fn claim(&self, key: &IdempotencyKey, lease: Duration) -> Result<Claim, StoreError> {
        let token = self.token();
        self.run_claim(key, token.to_string(), lease, token).await
    }

    async fn complete(&self, key: &IdempotencyKey, token: ClaimToken, ttl: Duration) -> Result<bool, StoreError> {
        {
            if token.get() == FAIL_OPEN_TOKEN {
                return Ok(false);
            }
            let mut conn = self.conn.clone();
            let res: i64 = self
                .inner
                .complete
                .key(self.key(key))
                .arg(token.get().to_string())
                .arg(millis(ttl))
                .invoke_async(&mut conn)
                .await
                .map_err(|e| self.unavailable(e))?;
            Ok(res == 1)
        }
    }

    async fn release(&self, key: &IdempotencyKey, token: ClaimToken) -> Result<bool, StoreError> {
        {
            if token.get() == FAIL_OPEN_TOKEN {
                return Ok(false);
            }
            let mut conn = self.conn.clone();
            let res: i64 = self
                .inner
                .release
                .key(self.key(key))
                .arg(token.get().to_string())
                .invoke_async(&mut conn)
                .await
                .map_err(|e| self.unavailable(e))?;
            Ok(res == 1)
        }
    }
}
