//! [`NatsSink`]: quick-ack's sink on NATS JetStream.

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, stream};
use hookgate_core::{Event, Sink, SinkError, SinkErrorKind};

use crate::header;

/// Quick-ack's sink on NATS JetStream: publishes each event's exact body to a subject (default
/// `hookgate.events`) of a stream (default `HOOKGATE`, created if missing), with the headers
/// `Nats-Msg-Id: <endpoint>:<delivery id>`, `Hookgate-Delivery-Id`, `Hookgate-Endpoint`,
/// `Hookgate-Provider`, `Hookgate-Event-Type` and `Hookgate-Timestamp` (when known),
/// `Hookgate-Received-At` (RFC 3339) and `Content-Type` (when the request had one). The event is
/// acknowledged once JetStream's `PubAck` arrived; a duplicate that JetStream dropped counts as
/// stored. Cheap to clone.
///
/// ```no_run
/// # async fn demo() -> Result<(), hookgate_core::SinkError> {
/// use std::time::Duration;
/// use hookgate_nats::NatsSink;
/// let sink = NatsSink::builder("nats://127.0.0.1:4222")
///     .stream("HOOKGATE")
///     .subject("hookgate.events")
///     .duplicate_window(Duration::from_secs(300))
///     .build()
///     .await?;
/// # let _ = sink; Ok(()) }
/// ```
#[derive(Clone)]
pub struct NatsSink {
    js: jetstream::Context,
    subject: String,
    stream: String,
}

impl std::fmt::Debug for NatsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsSink").field("stream", &self.stream).field("subject", &self.subject).finish()
    }
}

/// Configures a [`NatsSink`].
#[derive(Debug)]
#[must_use]
pub struct NatsSinkBuilder {
    url: String,
    stream: String,
    subject: String,
    duplicate_window: Duration,
    timeout: Duration,
}

impl NatsSinkBuilder {
    /// The stream (default `HOOKGATE`); created with the subject if missing.
    pub fn stream(mut self, stream: impl Into<String>) -> Self {
        self.stream = stream.into();
        self
    }
    /// The subject events are published to (default `hookgate.events`).
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = subject.into();
        self
    }
    /// JetStream's duplicate window for a stream this builder creates (default 2 min).
    pub fn duplicate_window(mut self, window: Duration) -> Self {
        self.duplicate_window = window;
        self
    }
    /// How long a publish waits for its `PubAck` (default 5 s; the endpoint's sink timeout bounds
    /// the whole hand-off too).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Connects and makes sure the stream exists (the first connection must succeed; the client
    /// reconnects by itself later).
    pub async fn build(self) -> Result<NatsSink, SinkError> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(self.timeout)
            .request_timeout(Some(self.timeout))
            .connect(&self.url);
        let client = tokio::time::timeout(self.timeout, client)
            .await
            .map_err(|_| unavailable(format!("cannot connect to NATS at {}: no answer", self.url)))?
            .map_err(|e| unavailable(format!("cannot connect to NATS at {}: {e}", self.url)))?;
        let js = jetstream::new(client);
        let config = stream::Config {
            name: self.stream.clone(),
            subjects: vec![self.subject.clone()],
            duplicate_window: self.duplicate_window,
            ..Default::default()
        };
        js.get_or_create_stream(config)
            .await
            .map_err(|e| SinkError::new(SinkErrorKind::Refused, format!("JetStream stream `{}`: {e}", self.stream)))?;
        Ok(NatsSink { js, subject: self.subject, stream: self.stream })
    }
}

fn unavailable(message: String) -> SinkError {
    SinkError::new(SinkErrorKind::Unavailable, message)
}

impl NatsSink {
    /// Starts configuring a sink for `url` (`nats://host:port`).
    pub fn builder(url: impl Into<String>) -> NatsSinkBuilder {
        NatsSinkBuilder {
            url: url.into(),
            stream: "HOOKGATE".into(),
            subject: "hookgate.events".into(),
            duplicate_window: Duration::from_secs(120),
            timeout: Duration::from_secs(5),
        }
    }

    /// The stream's name.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// Whether JetStream answers (the stream's info), for readiness checks.
    pub async fn ping(&self) -> Result<(), SinkError> {
        self.js.get_stream(&self.stream).await.map(drop).map_err(|e| unavailable(format!("JetStream: {e}")))
    }
}

/// The headers of `event`'s message. Values that NATS headers cannot carry (a line break in an id
/// read from a body) are refused.
pub(crate) fn headers(event: &Event) -> Result<HeaderMap, SinkError> {
    let m = event.metadata();
    let mut h = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        if value.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(SinkError::new(SinkErrorKind::Refused, format!("{name} holds a line break")));
        }
        h.insert(name, value);
        Ok(())
    };
    put(header::MSG_ID, &format!("{}:{}", m.endpoint(), m.delivery_id()))?;
    put(header::DELIVERY_ID, m.delivery_id())?;
    put(header::ENDPOINT, m.endpoint())?;
    put(header::PROVIDER, m.provider())?;
    if let Some(t) = m.event_type() {
        put(header::EVENT_TYPE, t)?;
    }
    if let Some(ts) = m.timestamp() {
        put(header::TIMESTAMP, &ts.to_string())?;
    }
    put(header::RECEIVED_AT, &humantime::format_rfc3339_millis(m.received_at()).to_string())?;
    if let Some(ct) = m.content_type() {
        put(header::CONTENT_TYPE, ct)?;
    }
    Ok(h)
}

impl Sink for NatsSink {
    async fn publish(&self, event: Event) -> Result<(), SinkError> {
        let headers = headers(&event)?;
        let (_, body) = event.into_parts();
        let ack = self
            .js
            .publish_with_headers(self.subject.clone(), headers, body)
            .await
            .map_err(|e| unavailable(format!("NATS publish: {e}")))?;
        ack.await.map(drop).map_err(|e| {
            let kind = match e.kind() {
                jetstream::context::PublishErrorKind::TimedOut => SinkErrorKind::Timeout,
                jetstream::context::PublishErrorKind::StreamNotFound => SinkErrorKind::Refused,
                _ => SinkErrorKind::Unavailable,
            };
            SinkError::new(kind, format!("JetStream PubAck: {e}"))
        })
    }
}
