//! Where quick-ack mode puts a verified, new delivery: a [`Sink`]. The endpoint answers 202 only
//! once the sink has acknowledged the event; a sink that refuses gives 503 with `Retry-After`,
//! and the delivery is not marked processed, so the sender's retry goes through.

mod channel;

use std::borrow::Cow;
use std::future::Future;
use std::time::Duration;

pub use channel::{EventReceiver, EventSender, channel};

use crate::event::Event;
use crate::idempotency::{Claim, ClaimToken, IdempotencyKey};

/// Takes verified events and keeps them safe (a channel, a broker, an application).
///
/// `publish` resolves `Ok` only once the event is safe: in the channel, acknowledged by the
/// broker, or handled. The in-process channel ([`channel`]) is one sink.
///
/// ```
/// use hookgate_core::{Event, Sink, SinkError, SinkErrorKind};
///
/// /// A sink that refuses everything, as a broker that is down would.
/// struct Down;
///
/// impl Sink for Down {
///     async fn publish(&self, _event: Event) -> Result<(), SinkError> {
///         Err(SinkError::new(SinkErrorKind::Unavailable, "broker unreachable"))
///     }
/// }
/// ```
pub trait Sink: Send + Sync + 'static {
    /// Hands `event` over; `Ok` once it is safe.
    fn publish(&self, event: Event) -> impl Future<Output = Result<(), SinkError>> + Send + '_;

    /// Whether the sink also remembers which deliveries it took, atomically with taking them (a
    /// broker that keeps the idempotency keys beside the events). Quick-ack then calls
    /// [`Self::publish_once`] instead of claiming the delivery in the endpoint's store,
    /// publishing and completing: no moment exists where a delivery is remembered but not taken,
    /// or taken twice. Default: false.
    fn remembers_deliveries(&self) -> bool {
        false
    }

    /// For a sink that [remembers deliveries](Self::remembers_deliveries): takes `event` unless
    /// delivery `key` is remembered, and remembers it for `ttl`, in one step. Answers as a claim:
    /// `Acquired` when the event was taken now, `Done` when it was taken before, `InFlight` while
    /// another request holds the delivery. The default publishes and answers `Acquired`.
    fn publish_once<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        ttl: Duration,
        event: Event,
    ) -> impl Future<Output = Result<Claim, SinkError>> + Send + 'a {
        let _ = (key, ttl);
        async move { self.publish(event).await.map(|()| Claim::Acquired(ClaimToken::new(0))) }
    }
}

impl<S: Sink> Sink for std::sync::Arc<S> {
    fn publish(&self, event: Event) -> impl Future<Output = Result<(), SinkError>> + Send + '_ {
        (**self).publish(event)
    }
    fn remembers_deliveries(&self) -> bool {
        (**self).remembers_deliveries()
    }
    fn publish_once<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        ttl: Duration,
        event: Event,
    ) -> impl Future<Output = Result<Claim, SinkError>> + Send + 'a {
        (**self).publish_once(key, ttl, event)
    }
}

/// Why a sink did not take an event. The request gets 503 with `Retry-After`.
///
/// ```
/// use hookgate_core::{SinkError, SinkErrorKind};
/// let e = SinkError::new(SinkErrorKind::Full, "channel of 1024 events is full");
/// assert_eq!(e.kind(), SinkErrorKind::Full);
/// assert_eq!(e.to_string(), "sink full: channel of 1024 events is full");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("sink {}: {message}", kind.describe())]
pub struct SinkError {
    kind: SinkErrorKind,
    message: Cow<'static, str>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// The kind of a [`SinkError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SinkErrorKind {
    /// No room now (a full channel).
    Full,
    /// The sink is closed (the consumer is gone).
    Closed,
    /// The sink cannot be reached.
    Unavailable,
    /// The sink did not acknowledge in time.
    Timeout,
    /// The sink answered, and refused the event.
    Refused,
}

impl SinkErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Closed => "closed",
            Self::Unavailable => "unavailable",
            Self::Timeout => "timed out",
            Self::Refused => "refused the event",
        }
    }
}

impl SinkError {
    /// An error of `kind`, with a message for logs.
    pub fn new(kind: SinkErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self { kind, message: message.into(), source: None }
    }

    /// The underlying error (a client's), kept as the source.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The kind.
    pub fn kind(&self) -> SinkErrorKind {
        self.kind
    }
}
