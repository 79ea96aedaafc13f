//! # hookgate-nats
//!
//! hookgate on NATS JetStream:
//!
//! - [`NatsSink`]: quick-ack's sink. Each event is published with its exact body to a subject of
//!   a stream (created if missing) and the 202 is written only once JetStream's `PubAck` arrived.
//!   The message id `Nats-Msg-Id: <endpoint>:<delivery id>` makes JetStream drop a replay within
//!   its duplicate window, across replicas; hookgate's idempotency store covers longer windows.
//! - [`NatsConsumer`]: a durable pull consumer that yields the same [`hookgate_core::Event`]s the
//!   in-process channel gives, acknowledges an event only after its handler succeeded, and gets
//!   back what a crashed consumer left unacknowledged once the ack wait has passed.
//!
//! ```no_run
//! # async fn demo() -> Result<(), hookgate_core::SinkError> {
//! use hookgate_nats::NatsSink;
//! let sink = NatsSink::builder("nats://127.0.0.1:4222").build().await?;
//! // axum: Router::new().route_service("/webhooks/github", hookgate_tower::QuickAck::new(endpoint, sink))
//! # let _ = sink; Ok(()) }
//! ```

mod consumer;
mod sink;

pub use consumer::{ConsumerError, Delivery, NatsConsumer, NatsConsumerBuilder, dead_letters, redrive};
pub use sink::{NatsSink, NatsSinkBuilder};

/// The headers hookgate writes beside each event's body.
mod header {
    pub(crate) const MSG_ID: &str = "Nats-Msg-Id";
    pub(crate) const DELIVERY_ID: &str = "Hookgate-Delivery-Id";
    pub(crate) const ENDPOINT: &str = "Hookgate-Endpoint";
    pub(crate) const PROVIDER: &str = "Hookgate-Provider";
    pub(crate) const EVENT_TYPE: &str = "Hookgate-Event-Type";
    pub(crate) const TIMESTAMP: &str = "Hookgate-Timestamp";
    pub(crate) const RECEIVED_AT: &str = "Hookgate-Received-At";
    pub(crate) const CONTENT_TYPE: &str = "Content-Type";
}
