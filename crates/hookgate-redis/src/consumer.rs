//! [`RedisStreamConsumer`]: reads what [`crate::RedisStreamSink`] wrote, in a consumer group.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use hookgate_core::{Event, Metadata};
use redis::aio::ConnectionManager;
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadOptions, StreamReadReply};

use crate::{Failure, connect, failure};

/// Why the consumer could not read or acknowledge.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsumerError {
    /// Redis could not be reached, or did not answer in time.
    #[error("Redis unavailable: {0}")]
    Unavailable(#[source] redis::RedisError),
    /// Redis answered something unexpected.
    #[error("Redis: {0}")]
    Redis(#[source] redis::RedisError),
}

impl From<redis::RedisError> for ConsumerError {
    fn from(e: redis::RedisError) -> Self {
        match failure(&e) {
            Failure::Timeout | Failure::Unavailable => Self::Unavailable(e),
            Failure::Protocol => Self::Redis(e),
        }
    }
}

/// One event read from the stream, to be acknowledged once handled.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The stream entry's id.
    pub id: String,
    /// The event, as the sink wrote it (the same type the in-process channel gives).
    pub event: Event,
}

/// Moves an entry to the dead-letter stream and acknowledges it, in one step. KEYS: the
/// dead-letter stream, the stream. ARGV: the group, the entry id, then field/value pairs.
const DEAD_LETTER: &str = r"
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
return 1
";

/// Moves one dead letter back to the stream, in one step. KEYS: the stream, the dead-letter
/// stream. ARGV: the dead letter's id, then the event's field/value pairs.
const REDRIVE: &str = r"
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
redis.call('XDEL', KEYS[2], ARGV[1])
return 1
";

/// Acknowledges or dead-letters deliveries of one [`RedisStreamConsumer`] from other tasks
/// (cheap to clone; it has a connection of its own).
#[derive(Clone)]
pub struct Acker {
    conn: ConnectionManager,
    stream: String,
    group: String,
    consumer: String,
}

impl std::fmt::Debug for Acker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acker").field("stream", &self.stream).field("group", &self.group).finish()
    }
}

impl Acker {
    /// Acknowledges `delivery`: it is handled and never delivered again.
    pub async fn ack(&self, delivery: &Delivery) -> Result<(), ConsumerError> {
        let mut conn = self.conn.clone();
        redis::cmd("XACK").arg(&self.stream).arg(&self.group).arg(&delivery.id).query_async::<i64>(&mut conn).await?;
        Ok(())
    }

    /// Tells the group `delivery` is still being handled: its idle time starts again (`XCLAIM`
    /// to this same consumer, `JUSTID`), so a handler that retries for longer than the
    /// consumers' `min_idle` does not see it taken over and handled twice.
    ///
    /// ```no_run
    /// # async fn f(mut consumer: hookgate_redis::RedisStreamConsumer) -> Result<(), hookgate_redis::ConsumerError> {
    /// let acker = consumer.acker();
    /// if let Some(delivery) = consumer.next().await? {
    ///     acker.in_progress(&delivery).await?; // before a long wait
    ///     acker.ack(&delivery).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn in_progress(&self, delivery: &Delivery) -> Result<(), ConsumerError> {
        let mut conn = self.conn.clone();
        redis::cmd("XCLAIM")
            .arg(&self.stream)
            .arg(&self.group)
            .arg(&self.consumer)
            .arg(0)
            .arg(&delivery.id)
            .arg("JUSTID")
            .query_async::<redis::Value>(&mut conn)
            .await?;
        Ok(())
    }

    /// Moves `delivery` to the dead-letter stream `<stream>:dead` (its fields, plus `last_status`
    /// when there was one, `last_error` and `attempts`) and acknowledges it, in one step.
    pub async fn dead_letter(
        &self,
        delivery: &Delivery,
        last_status: Option<u16>,
        last_error: &str,
        attempts: u32,
    ) -> Result<(), ConsumerError> {
        let script = redis::Script::new(DEAD_LETTER);
        let mut invocation = script.key(dead_letters(&self.stream));
        invocation.key(&self.stream).arg(&self.group).arg(&delivery.id);
        for (field, value) in crate::stream::entry(&delivery.event) {
            invocation.arg(field).arg(value);
        }
        if let Some(status) = last_status {
            invocation.arg("last_status").arg(status);
        }
        invocation.arg("last_error").arg(last_error).arg("attempts").arg(attempts);
        let mut conn = self.conn.clone();
        invocation.invoke_async::<i64>(&mut conn).await?;
        Ok(())
    }

    /// How many entries of the group are read but not yet acknowledged (the forwarder's backlog
    /// in flight), and how many were added that the group has not read (its lag; `None` when Redis
    /// cannot tell).
    pub async fn backlog(&self) -> Result<(u64, Option<u64>), ConsumerError> {
        let mut conn = self.conn.clone();
        let groups: redis::streams::StreamInfoGroupsReply =
            redis::cmd("XINFO").arg("GROUPS").arg(&self.stream).query_async(&mut conn).await?;
        let group = groups.groups.into_iter().find(|g| g.name == self.group);
        Ok(group.map_or((0, None), |g| (g.pending as u64, g.lag.map(|l| l as u64))))
    }
}

/// The dead-letter stream of `stream`.
pub fn dead_letters(stream: &str) -> String {
    format!("{stream}:dead")
}

/// Moves every dead letter of `stream` (`<stream>:dead`) back to `stream`, without its
/// `last_status`, `last_error` and `attempts` fields, each in one step. Returns how many it moved.
pub async fn redrive(url: &str, stream: &str) -> Result<usize, ConsumerError> {
    let mut conn = connect(url, Duration::from_secs(5)).await?;
    let dead = dead_letters(stream);
    let script = redis::Script::new(REDRIVE);
    let mut moved = 0;
    loop {
        let batch: redis::streams::StreamRangeReply =
            redis::cmd("XRANGE").arg(&dead).arg("-").arg("+").arg("COUNT").arg(100).query_async(&mut conn).await?;
        if batch.ids.is_empty() {
            return Ok(moved);
        }
        for entry in batch.ids {
            let mut invocation = script.key(stream);
            invocation.key(&dead).arg(&entry.id);
            for (field, value) in &entry.map {
                let redis::Value::BulkString(value) = value else { continue };
                if !["last_status", "last_error", "attempts"].contains(&field.as_str()) {
                    invocation.arg(field).arg(value);
                }
            }
            invocation.invoke_async::<i64>(&mut conn).await?;
            moved += 1;
        }
    }
}

/// Reads a Redis Stream in a consumer group: new entries, entries this consumer read but did not
/// acknowledge before it stopped, and entries another consumer left pending longer than the
/// idle time (a consumer that crashed). An entry is acknowledged (`XACK`) only once its handler
/// succeeded; until then it stays pending and is delivered again.
///
/// ```no_run
/// # async fn demo() -> Result<(), hookgate_redis::ConsumerError> {
/// use hookgate_redis::RedisStreamConsumer;
///
/// let mut consumer = RedisStreamConsumer::builder("redis://127.0.0.1:6379")
///     .stream("hookgate:events")
///     .group("billing")
///     .consumer("worker-1")
///     .build()
///     .await?;
/// consumer
///     .run(|event| async move {
///         println!("{} {:?}", event.metadata().delivery_id(), event.metadata().event_type());
///         Ok::<(), std::io::Error>(()) // an Err leaves the entry pending: it comes back
///     })
///     .await?;
/// # Ok(()) }
/// ```
pub struct RedisStreamConsumer {
    /// Reads (`XREADGROUP … BLOCK` holds it while waiting).
    conn: ConnectionManager,
    /// Acknowledges, dead-letters and renews, for this consumer and its [`Acker`]s: on a
    /// connection of its own, so they never queue behind a blocking read.
    settle: ConnectionManager,
    stream: String,
    group: String,
    consumer: String,
    min_idle: Duration,
    block: Duration,
    batch: usize,
    /// Where the read of this consumer's own pending entries (left by an earlier run under the
    /// same name) is: past the last one handed out, so an entry still being handled is not
    /// read again; `None` once they are all read.
    own_pending: Option<String>,
    /// Where the next `XAUTOCLAIM` scan starts.
    claim_cursor: String,
    buffered: VecDeque<Delivery>,
}

impl std::fmt::Debug for RedisStreamConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStreamConsumer")
            .field("stream", &self.stream)
            .field("group", &self.group)
            .field("consumer", &self.consumer)
            .finish_non_exhaustive()
    }
}

/// Configures a [`RedisStreamConsumer`].
#[derive(Debug)]
#[must_use]
pub struct RedisStreamConsumerBuilder {
    url: String,
    stream: String,
    group: String,
    consumer: String,
    min_idle: Duration,
    block: Duration,
    batch: usize,
}

impl RedisStreamConsumerBuilder {
    /// The stream's key (default `hookgate:events`).
    pub fn stream(mut self, stream: impl Into<String>) -> Self {
        self.stream = stream.into();
        self
    }
    /// The consumer group (default `hookgate`); created at the stream's start if missing.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = group.into();
        self
    }
    /// This consumer's name within the group (default: host-independent `consumer-<pid>`).
    /// Give a restarted worker the same name to read its own pending entries at once.
    pub fn consumer(mut self, consumer: impl Into<String>) -> Self {
        self.consumer = consumer.into();
        self
    }
    /// How long an entry may stay pending with another consumer before this one takes it over
    /// (default 60 s: longer than any handler should take).
    pub fn min_idle(mut self, min_idle: Duration) -> Self {
        self.min_idle = min_idle;
        self
    }
    /// How long one read waits for new entries (default 2 s).
    pub fn block(mut self, block: Duration) -> Self {
        self.block = block;
        self
    }
    /// Connects and creates the group if it does not exist.
    pub async fn build(self) -> Result<RedisStreamConsumer, ConsumerError> {
        let mut conn = connect(&self.url, self.block + Duration::from_secs(5)).await?;
        let created: Result<(), redis::RedisError> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.stream)
            .arg(&self.group)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut conn)
            .await;
        match created {
            Err(e) if e.code() != Some("BUSYGROUP") => return Err(e.into()),
            _ => {}
        }
        let settle = connect(&self.url, Duration::from_secs(5)).await?;
        Ok(RedisStreamConsumer {
            conn,
            settle,
            stream: self.stream,
            group: self.group,
            consumer: self.consumer,
            min_idle: self.min_idle,
            block: self.block,
            batch: self.batch,
            own_pending: Some("0".into()),
            claim_cursor: "0-0".into(),
            buffered: VecDeque::new(),
        })
    }
}

impl RedisStreamConsumer {
    /// Starts configuring a consumer of the stream at `url`.
    pub fn builder(url: impl Into<String>) -> RedisStreamConsumerBuilder {
        RedisStreamConsumerBuilder {
            url: url.into(),
            stream: "hookgate:events".into(),
            group: "hookgate".into(),
            consumer: format!("consumer-{}", std::process::id()),
            min_idle: Duration::from_secs(60),
            block: Duration::from_secs(2),
            batch: 64,
        }
    }

    /// The next delivery, or `None` when nothing arrived within the block time. Own pending
    /// entries come first (after a restart), then entries another consumer left idle, then new
    /// ones.
    pub async fn next(&mut self) -> Result<Option<Delivery>, ConsumerError> {
        if self.buffered.is_empty() {
            self.fill().await?;
        }
        Ok(self.buffered.pop_front())
    }

    /// An [`Acker`] for this consumer's deliveries, to acknowledge or dead-letter them from
    /// other tasks while this one reads.
    pub fn acker(&self) -> Acker {
        Acker {
            conn: self.settle.clone(),
            stream: self.stream.clone(),
            group: self.group.clone(),
            consumer: self.consumer.clone(),
        }
    }

    /// Acknowledges `delivery`: it is handled and never delivered again.
    pub async fn ack(&mut self, delivery: &Delivery) -> Result<(), ConsumerError> {
        redis::cmd("XACK")
            .arg(&self.stream)
            .arg(&self.group)
            .arg(&delivery.id)
            .query_async::<i64>(&mut self.settle)
            .await?;
        Ok(())
    }

    /// Runs `handler` on every delivery, acknowledging each one it handled (`Ok`); one it failed
    /// stays pending and comes back after the idle time. Returns only on a Redis error.
    pub async fn run<F, Fut, E>(&mut self, mut handler: F) -> Result<(), ConsumerError>
    where
        F: FnMut(Event) -> Fut,
        Fut: std::future::Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        loop {
            let Some(delivery) = self.next().await? else { continue };
            match handler(delivery.event.clone()).await {
                Ok(()) => self.ack(&delivery).await?,
                Err(e) => tracing::warn!(
                    entry = %delivery.id,
                    delivery_id = delivery.event.metadata().delivery_id(),
                    error = %e,
                    "handler failed: the entry stays pending and is delivered again"
                ),
            }
        }
    }

    /// Reads the next batch into the buffer.
    async fn fill(&mut self) -> Result<(), ConsumerError> {
        if let Some(after) = self.own_pending.take() {
            let own = self.read(&after, None).await?;
            // Past the last one read: the next read returns only the pending entries after it.
            self.own_pending = own.last().map(|d| d.id.clone());
            self.buffered.extend(own);
            if !self.buffered.is_empty() {
                return Ok(());
            }
        }
        let claimed: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(&self.stream)
            .arg(&self.group)
            .arg(&self.consumer)
            .arg(u64::try_from(self.min_idle.as_millis()).unwrap_or(u64::MAX))
            .arg(&self.claim_cursor)
            .arg("COUNT")
            .arg(self.batch)
            .query_async(&mut self.conn)
            .await?;
        self.claim_cursor = claimed.next_stream_id;
        let stream = &self.stream;
        self.buffered.extend(claimed.claimed.into_iter().filter_map(|e| delivery(stream, e)));
        if self.buffered.is_empty() {
            let new = self.read(">", Some(self.block)).await?;
            self.buffered.extend(new);
        }
        Ok(())
    }

    /// `XREADGROUP` from `from` (`0`: this consumer's pending entries; `>`: new ones).
    async fn read(&mut self, from: &str, block: Option<Duration>) -> Result<Vec<Delivery>, ConsumerError> {
        let mut options = StreamReadOptions::default().group(&self.group, &self.consumer).count(self.batch);
        if let Some(b) = block {
            options = options.block(usize::try_from(b.as_millis()).unwrap_or(usize::MAX));
        }
        let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
            .arg(&options)
            .arg("STREAMS")
            .arg(&self.stream)
            .arg(from)
            .query_async(&mut self.conn)
            .await?;
        let entries = reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids);
        Ok(entries.filter_map(|e| delivery(&self.stream, e)).collect())
    }
}

/// The delivery of one entry of `stream`; an entry that is not the sink's is logged and left
/// pending.
fn delivery(stream: &str, entry: StreamId) -> Option<Delivery> {
    match event_of(&entry.map) {
        Some(event) => Some(Delivery { id: entry.id, event }),
        None => {
            tracing::warn!(stream, entry = %entry.id, "entry is not a hookgate event: skipped");
            None
        }
    }
}

/// The event a [`crate::RedisStreamSink`] entry holds.
fn event_of(fields: &HashMap<String, redis::Value>) -> Option<Event> {
    let bytes = |name: &str| match fields.get(name) {
        Some(redis::Value::BulkString(b)) => Some(b.clone()),
        Some(redis::Value::SimpleString(s)) => Some(s.clone().into_bytes()),
        _ => None,
    };
    let text = |name: &str| bytes(name).and_then(|b| String::from_utf8(b).ok());
    let received_at = text("received_at").and_then(|t| humantime::parse_rfc3339(&t).ok()).unwrap_or(UNIX_EPOCH);
    let metadata = Metadata::new(text("endpoint")?, text("provider")?, text("delivery_id")?)
        .with_event_type(text("event_type").as_deref())
        .with_timestamp(text("timestamp").and_then(|t| t.parse().ok()))
        .with_received_at(received_at)
        .with_content_type(text("content_type").as_deref());
    Some(Event::new(metadata, Bytes::from(bytes("body")?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_written_by_the_sink_reads_back() {
        let metadata = Metadata::new("/hooks", "github", "d-1")
            .with_event_type(Some("push"))
            .with_timestamp(Some(1_700_000_000))
            .with_received_at(UNIX_EPOCH + Duration::from_millis(1_700_000_000_123))
            .with_content_type(Some("application/json"));
        let event = Event::new(metadata, Bytes::from_static(b"{\"a\":\"\xff\"}"));
        let fields: HashMap<String, redis::Value> = crate::stream::entry(&event)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), redis::Value::BulkString(v)))
            .collect();
        let back = event_of(&fields).unwrap();
        assert_eq!(back.body(), event.body());
        assert_eq!(back.metadata(), event.metadata());
    }
}
