//! What a verified delivery is once it leaves the request: its [`Metadata`] and the [`Event`]
//! (metadata + raw body) that quick-ack mode hands to a [`crate::Sink`].

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::verify::Verified;

/// What hookgate knows about a verified delivery (without its body): what verification found, and
/// where and when it arrived.
///
/// Broker consumers rebuild it from what the sink wrote with [`Metadata::new`] and the `with_`
/// methods; the secret index is not carried through a broker.
///
/// ```
/// use std::time::SystemTime;
/// use hookgate_core::Metadata;
/// let m = Metadata::new("/webhooks/github", "github", "72d3162e")
///     .with_event_type(Some("push"))
///     .with_received_at(SystemTime::UNIX_EPOCH);
/// assert_eq!((m.delivery_id(), m.event_type(), m.secret_index()), ("72d3162e", Some("push"), None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    endpoint: Arc<str>,
    provider: Arc<str>,
    delivery_id: Arc<str>,
    id_from_provider: bool,
    event_type: Option<Arc<str>>,
    timestamp: Option<i64>,
    received_at: SystemTime,
    content_type: Option<Arc<str>>,
    secret_index: Option<usize>,
}

/// The prefix of a delivery id that is the digest of the signed content, not the provider's.
const DIGEST_PREFIX: &str = "sha256:";

impl Metadata {
    /// The metadata of delivery `delivery_id` at `endpoint`, from `provider`, received now.
    pub fn new(endpoint: impl Into<Arc<str>>, provider: impl Into<Arc<str>>, delivery_id: impl Into<Arc<str>>) -> Self {
        let delivery_id = delivery_id.into();
        Self {
            endpoint: endpoint.into(),
            provider: provider.into(),
            id_from_provider: !delivery_id.starts_with(DIGEST_PREFIX),
            delivery_id,
            event_type: None,
            timestamp: None,
            received_at: SystemTime::now(),
            content_type: None,
            secret_index: None,
        }
    }

    /// What `verified` found, for a request that reached `endpoint` with this `Content-Type`.
    pub(crate) fn verified(endpoint: Arc<str>, provider: Arc<str>, v: &Verified, content_type: Option<&str>) -> Self {
        Self {
            endpoint,
            provider,
            delivery_id: Arc::clone(v.delivery_id_shared()),
            id_from_provider: v.id_from_provider(),
            event_type: v.event_type().map(Arc::from),
            timestamp: v.timestamp(),
            received_at: v.checked_at(),
            content_type: content_type.map(Arc::from),
            secret_index: Some(v.secret_index()),
        }
    }

    /// With an event type.
    #[must_use]
    pub fn with_event_type(mut self, event_type: Option<&str>) -> Self {
        self.event_type = event_type.map(Arc::from);
        self
    }
    /// With the webhook's own timestamp (Unix seconds).
    #[must_use]
    pub fn with_timestamp(mut self, timestamp: Option<i64>) -> Self {
        self.timestamp = timestamp;
        self
    }
    /// With the moment hookgate received it.
    #[must_use]
    pub fn with_received_at(mut self, at: SystemTime) -> Self {
        self.received_at = at;
        self
    }
    /// With the request's `Content-Type`.
    #[must_use]
    pub fn with_content_type(mut self, content_type: Option<&str>) -> Self {
        self.content_type = content_type.map(Arc::from);
        self
    }

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
        &self.delivery_id
    }
    pub(crate) fn delivery_id_shared(&self) -> &Arc<str> {
        &self.delivery_id
    }
    /// Whether the id came from the provider rather than the digest fallback.
    pub fn id_from_provider(&self) -> bool {
        self.id_from_provider
    }
    /// The event type, when known.
    pub fn event_type(&self) -> Option<&str> {
        self.event_type.as_deref()
    }
    /// The webhook's own timestamp (Unix seconds), when it has one.
    pub fn timestamp(&self) -> Option<i64> {
        self.timestamp
    }
    /// When hookgate received it.
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }
    /// The request's `Content-Type`, when it had one.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
    /// Which configured secret verified it (`None` for an event read back from a broker).
    pub fn secret_index(&self) -> Option<usize> {
        self.secret_index
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

/// Bodies up to this length that share their allocation are copied into one of their own when
/// they become an [`Event`] (see [`detach`]).
const DETACH_MAX: usize = 16 * 1024;

/// An event outlives its request: it may wait in a channel until a consumer takes it. A body that
/// is a slice of the connection's read buffer (hyper and actix hand over the bytes read with the
/// head that way) would keep that whole buffer alive until then, several times the body's size.
/// Such a body, when small, is copied once into an allocation of its own; a body that owns its
/// allocation, or a large one, is kept as is.
fn detach(body: Bytes) -> Bytes {
    if body.len() <= DETACH_MAX && !body.is_unique() { Bytes::copy_from_slice(&body) } else { body }
}

impl Event {
    /// An event of `body` with its metadata (what a broker consumer builds from an entry).
    pub fn new(meta: Metadata, body: Bytes) -> Self {
        Self { meta, body: detach(body) }
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

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    #[test]
    fn a_small_slice_of_a_read_buffer_is_copied_out() {
        // As a server hands it over: the body split off a larger buffer that the connection keeps.
        let mut read_buf = BytesMut::with_capacity(8192);
        read_buf.extend_from_slice(&[b'h'; 300]);
        read_buf.extend_from_slice(&[b'b'; 1024]);
        let _head = read_buf.split_to(300);
        let body = read_buf.split_to(1024).freeze();
        assert!(!body.is_unique());
        let detached = detach(body.clone());
        assert_eq!(detached, body);
        assert!(detached.is_unique(), "the event's body owns its bytes");
        assert_ne!(detached.as_ptr(), body.as_ptr());
    }

    #[test]
    fn owned_or_large_bodies_are_kept_as_they_are() {
        let owned = Bytes::from(vec![7u8; 1024]);
        let at = owned.as_ptr();
        assert_eq!(detach(owned).as_ptr(), at, "an owned body is not copied");

        let big = BytesMut::from(&[1u8; DETACH_MAX + 1][..]).freeze();
        let shared = big.clone();
        let at = big.as_ptr();
        assert_eq!(detach(big).as_ptr(), at, "a large shared body is not copied");
        drop(shared);

        assert_eq!(detach(Bytes::new()), Bytes::new());
    }
}
