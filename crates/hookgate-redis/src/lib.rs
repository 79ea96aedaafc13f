//! # hookgate-redis
//!
//! hookgate on Redis, for several replicas and for events that must survive a crash:
//!
//! - [`RedisStore`]: the idempotency store, so that replicas behind a load balancer share one
//!   dedupe state (a retry that lands on another replica is still recognised);
//! - [`RedisStreamSink`]: quick-ack's sink on a Redis Stream. The 202 is written only once the
//!   event is in the stream, and marking the delivery processed and appending it are one script,
//!   one round trip: no crash leaves a delivery marked but not in the stream, or in it twice;
//! - [`RedisStreamConsumer`]: reads the stream in a consumer group, acknowledges an event only
//!   after its handler succeeded, and takes over what a crashed consumer left pending.
//!
//! Keys of delivery ids are `<prefix><endpoint>:<delivery id>` (prefix default `hookgate:`),
//! holding a claim token or `done`; the store and the sink share them. The connection reconnects
//! by itself after Redis restarts; while Redis is unreachable, requests are answered 503 +
//! `Retry-After` and nothing is marked processed. For exactly-once across a Redis *restart*, run
//! Redis with persistence (`appendonly yes`): a Redis that lost its data has forgotten which
//! deliveries were done (and the events not yet read).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use hookgate_core::{Endpoint, Preset};
//! use hookgate_redis::RedisStreamSink;
//!
//! let sink = RedisStreamSink::builder("redis://127.0.0.1:6379").stream("hookgate:events").build().await?;
//! let endpoint = Endpoint::preset(Preset::Github, &["s3cret"])?;
//! // axum: Router::new().route_service("/webhooks/github", hookgate_tower::QuickAck::new(endpoint, sink))
//! # let _ = (endpoint, sink); Ok(()) }
//! ```

mod consumer;
mod store;
mod stream;

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub use consumer::{
    Acker, ConsumerError, Delivery, RedisStreamConsumer, RedisStreamConsumerBuilder, dead_letters, redrive,
};
pub use store::{RedisStore, RedisStoreBuilder};
pub use stream::{RedisStreamSink, RedisStreamSinkBuilder};

/// A multiplexed connection to `url` that reconnects by itself; each command may take `timeout`.
async fn connect(url: &str, timeout: Duration) -> Result<ConnectionManager, redis::RedisError> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_millis(500));
    ConnectionManager::new_with_config(client, config).await
}

/// What a Redis client error means to the caller.
enum Failure {
    /// No answer in time: the command may or may not have been applied.
    Timeout,
    /// Redis cannot be reached.
    Unavailable,
    /// Redis answered something else than expected (or the URL is wrong).
    Protocol,
}

fn failure(e: &redis::RedisError) -> Failure {
    if e.is_timeout() {
        Failure::Timeout
    } else if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() || e.is_unrecoverable_error() {
        Failure::Unavailable
    } else {
        Failure::Protocol
    }
}

/// Milliseconds for `PX`, at least 1.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// The Redis key of delivery `key` under `prefix`.
fn delivery_key(prefix: &str, key: &hookgate_core::IdempotencyKey) -> String {
    format!("{prefix}{}:{}", key.namespace(), key.id())
}
