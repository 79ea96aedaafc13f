//! The quick-ack hand-off: a verified [`Event`] goes into a bounded channel; the endpoint answers
//! 202 only once it is there.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::verify::Verified;

/// What hookgate knows about a verified delivery (without its body): the [`Verified`] answer
/// plus where and when it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub(crate) endpoint: Arc<str>,
    pub(crate) provider: Arc<str>,
    pub(crate) verified: Verified,
    pub(crate) received_at: SystemTime,
}

impl Metadata {
    /// The endpoint's name (its path, usually): the idempotency namespace.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
    /// The preset or custom scheme name.
    pub fn provider(&self) -> &str {
        &self.provider
    }
    /// The provider's delivery id, or `sha256:<hex>` of the signed content.
    pub fn delivery_id(&self) -> &str {
        self.verified.delivery_id()
    }
    /// Whether the id came from the provider rather than the digest fallback.
    pub fn id_from_provider(&self) -> bool {
        self.verified.id_from_provider()
    }
    /// The event type, when known.
    pub fn event_type(&self) -> Option<&str> {
        self.verified.event_type()
    }
    /// The webhook's own timestamp (Unix seconds), when it has one.
    pub fn timestamp(&self) -> Option<i64> {
        self.verified.timestamp()
    }
    /// When hookgate received it.
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }
    /// Which configured secret verified it.
    pub fn secret_index(&self) -> usize {
        self.verified.secret_index()
    }
}

/// A verified delivery: metadata plus the raw body, shared without copying.
///
/// ```
/// # use hookgate_core::Event;
/// #[derive(serde::Deserialize)]
/// struct Push { r#ref: String }
///
/// fn handle(event: &Event) {
///     if event.metadata().event_type() == Some("push") {
///         let push: Push = event.json().unwrap();
///         println!("{} pushed", push.r#ref);
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Event {
    meta: Metadata,
    body: Bytes,
}

impl Event {
    pub(crate) fn new(meta: Metadata, body: Bytes) -> Self {
        Self { meta, body }
    }
    /// The metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }
    /// The raw body, exactly as signed.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// Parses the body as JSON into `T`, on demand.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
    /// Splits into metadata and body.
    pub fn into_parts(self) -> (Metadata, Bytes) {
        (self.meta, self.body)
    }
}

/// The sending half of the hand-off channel.
pub type EventSender = mpsc::Sender<Event>;
/// The receiving half: consume verified events from it.
pub type EventReceiver = mpsc::Receiver<Event>;

/// A bounded hand-off channel of `capacity` events. When it is full the endpoint answers 503 with
/// `Retry-After`, and the sender's retry is processed later: nothing is lost.
///
/// ```
/// let (tx, mut rx) = hookgate_core::channel(1024);
/// # drop((tx, rx));
/// ```
pub fn channel(capacity: usize) -> (EventSender, EventReceiver) {
    mpsc::channel(capacity.max(1))
}
