//! [`RedisStreamSink`]: quick-ack's sink on a Redis Stream.

use std::time::Duration;

use hookgate_core::{Claim, ClaimToken, Event, IdempotencyKey, Sink, SinkError, SinkErrorKind};
use redis::aio::ConnectionManager;

use crate::{Failure, connect, delivery_key, failure, millis};

/// Appends the event unless the delivery is known, and marks it done, in one step. A delivery
/// that is known answers as the store's claim script does: done (-2) or the lease left (ms).
/// `XADD` runs before `SET`: if it fails, the script stops and nothing is marked.
///
/// KEYS: the delivery key, the stream. ARGV: the TTL (ms), the `MAXLEN ~` bound (0: none), then
/// the entry's field/value pairs.
const PUBLISH_ONCE: &str = r"
local v = redis.call('GET', KEYS[1])
if v == 'done' then return -2 end
if v then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then left = 0 end
  return left
end
if ARGV[2] ~= '0' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
else
  redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
end
redis.call('SET', KEYS[1], 'done', 'PX', ARGV[1])
return -1
";

/// Quick-ack's sink on a Redis Stream: each event is one `XADD` entry with the fields
/// `delivery_id`, `endpoint`, `provider`, `event_type` (absent when unknown), `timestamp` (Unix
/// seconds, absent when none), `received_at` (RFC 3339), `content_type` (absent when none) and
/// `body` (the exact bytes).
///
/// It [remembers deliveries](Sink::remembers_deliveries): the delivery is marked done and the
/// event appended in one script, so a retry after a lost answer is a duplicate (200) and the event
/// is in the stream exactly once. The delivery keys are those of [`crate::RedisStore`] with the
/// same prefix, so handler-mode endpoints on the store and quick-ack endpoints on this sink share
/// one dedupe state. Cheap to clone.
///
/// ```no_run
/// # async fn demo() -> Result<(), hookgate_core::SinkError> {
/// use hookgate_redis::RedisStreamSink;
/// let sink = RedisStreamSink::builder("redis://127.0.0.1:6379")
///     .stream("hookgate:events")
///     .max_len(1_000_000) // approximate trim
///     .build()
///     .await?;
/// # let _ = sink; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStreamSink {
    conn: ConnectionManager,
    stream: String,
    prefix: String,
    max_len: Option<usize>,
    script: redis::Script,
}

impl std::fmt::Debug for RedisStreamSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStreamSink").field("stream", &self.stream).field("max_len", &self.max_len).finish()
    }
}

/// Configures a [`RedisStreamSink`].
#[derive(Debug)]
#[must_use]
pub struct RedisStreamSinkBuilder {
    url: String,
    stream: String,
    prefix: String,
    max_len: Option<usize>,
    timeout: Duration,
}

impl RedisStreamSinkBuilder {
    /// The stream's key (default `hookgate:events`).
    pub fn stream(mut self, stream: impl Into<String>) -> Self {
        self.stream = stream.into();
        self
    }
    /// The prefix of delivery keys (default `hookgate:`, as [`crate::RedisStore`]'s).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }
    /// Trims the stream to about this many entries (`XADD MAXLEN ~`). Default: no trim. Entries
    /// trimmed before a consumer read them are lost to it: size it well above the backlog.
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = Some(max_len).filter(|n| *n > 0);
        self
    }
    /// How long one command may take on the connection (default 5 s; the endpoint's sink
    /// timeout bounds the whole hand-off too).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Connects (the first connection must succeed; later ones are retried by themselves).
    pub async fn build(self) -> Result<RedisStreamSink, SinkError> {
        let conn = connect(&self.url, self.timeout)
            .await
            .map_err(|e| sink_error(e, format!("cannot connect to Redis at {}", self.url)))?;
        Ok(RedisStreamSink {
            conn,
            stream: self.stream,
            prefix: self.prefix,
            max_len: self.max_len,
            script: redis::Script::new(PUBLISH_ONCE),
        })
    }
}

impl RedisStreamSink {
    /// Starts configuring a sink for `url` (`redis://host:port/db`).
    pub fn builder(url: impl Into<String>) -> RedisStreamSinkBuilder {
        RedisStreamSinkBuilder {
            url: url.into(),
            stream: "hookgate:events".into(),
            prefix: "hookgate:".into(),
            max_len: None,
            timeout: Duration::from_secs(5),
        }
    }

    /// The stream's key.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// Whether Redis answers (a `PING`), for readiness checks.
    pub async fn ping(&self) -> Result<(), SinkError> {
        let mut conn = self.conn.clone();
        redis::cmd("PING").query_async::<()>(&mut conn).await.map_err(|e| sink_error(e, "Redis"))
    }
}

/// The stream entry of `event`, as field/value pairs.
pub(crate) fn entry(event: &Event) -> Vec<(&'static str, Vec<u8>)> {
    let m = event.metadata();
    let mut fields = vec![
        ("delivery_id", m.delivery_id().as_bytes().to_vec()),
        ("endpoint", m.endpoint().as_bytes().to_vec()),
        ("provider", m.provider().as_bytes().to_vec()),
    ];
    if let Some(t) = m.event_type() {
        fields.push(("event_type", t.as_bytes().to_vec()));
    }
    if let Some(ts) = m.timestamp() {
        fields.push(("timestamp", ts.to_string().into_bytes()));
    }
    fields.push(("received_at", humantime::format_rfc3339_millis(m.received_at()).to_string().into_bytes()));
    if let Some(ct) = m.content_type() {
        fields.push(("content_type", ct.as_bytes().to_vec()));
    }
    fields.push(("body", event.body().to_vec()));
    fields
}

impl Sink for RedisStreamSink {
    /// Appends the event, without remembering the delivery (quick-ack calls
    /// [`Sink::publish_once`] instead).
    async fn publish(&self, event: Event) -> Result<(), SinkError> {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(&self.stream);
        if let Some(n) = self.max_len {
            cmd.arg("MAXLEN").arg("~").arg(n);
        }
        cmd.arg("*");
        for (field, value) in entry(&event) {
            cmd.arg(field).arg(value);
        }
        let mut conn = self.conn.clone();
        cmd.query_async::<String>(&mut conn).await.map(drop).map_err(|e| sink_error(e, "Redis XADD"))
    }

    fn remembers_deliveries(&self) -> bool {
        true
    }

    async fn publish_once(&self, key: &IdempotencyKey, ttl: Duration, event: Event) -> Result<Claim, SinkError> {
        let mut invocation = self.script.key(delivery_key(&self.prefix, key));
        invocation.key(&self.stream).arg(millis(ttl)).arg(self.max_len.unwrap_or(0));
        for (field, value) in entry(&event) {
            invocation.arg(field).arg(value);
        }
        let mut conn = self.conn.clone();
        let answer: i64 = invocation.invoke_async(&mut conn).await.map_err(|e| sink_error(e, "Redis XADD script"))?;
        Ok(match answer {
            -1 => Claim::Acquired(ClaimToken::new(0)),
            -2 => Claim::Done,
            left => Claim::InFlight {
                retry_after: Duration::from_millis(left.max(0).unsigned_abs()).max(Duration::from_secs(1)),
            },
        })
    }
}

/// A Redis client error as a typed sink error.
fn sink_error(e: redis::RedisError, context: impl std::fmt::Display) -> SinkError {
    let kind = match failure(&e) {
        Failure::Timeout => SinkErrorKind::Timeout,
        Failure::Unavailable => SinkErrorKind::Unavailable,
        Failure::Protocol => SinkErrorKind::Refused,
    };
    SinkError::new(kind, format!("{context}: {e}")).with_source(e)
}
