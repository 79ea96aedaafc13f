//! [`NatsConsumer`]: a durable pull consumer of what [`crate::NatsSink`] published.

use std::time::Duration;

use async_nats::jetstream::{self, Message, consumer::pull};
use bytes::Bytes;
use futures_util::StreamExt as _;
use hookgate_core::{Event, Metadata};

use crate::header;

/// Why the consumer could not read or acknowledge.
#[derive(Debug, thiserror::Error)]
#[error("NATS consumer: {0}")]
pub struct ConsumerError(String);

impl ConsumerError {
    fn of(what: &str, e: impl std::fmt::Display) -> Self {
        Self(format!("{what}: {e}"))
    }
}

/// One event read from the stream, to be acknowledged once handled.
#[derive(Debug)]
pub struct Delivery {
    /// The event, as the sink published it (the same type the in-process channel gives).
    pub event: Event,
    message: Message,
}

impl Delivery {
    /// Tells JetStream this delivery is still being handled: its ack wait starts again, so a
    /// handler that retries for longer than the ack wait does not see it delivered twice.
    ///
    /// ```no_run
    /// # async fn f(mut consumer: hookgate_nats::NatsConsumer) -> Result<(), hookgate_nats::ConsumerError> {
    /// let delivery = consumer.next().await?;
    /// delivery.in_progress().await?; // before a long wait
    /// delivery.ack().await?;
    /// # Ok(()) }
    /// ```
    pub async fn in_progress(&self) -> Result<(), ConsumerError> {
        self.message
            .ack_with(async_nats::jetstream::AckKind::Progress)
            .await
            .map_err(|e| ConsumerError::of("in progress", e))
    }

    /// Acknowledges this delivery: it is handled and not delivered again.
    pub async fn ack(&self) -> Result<(), ConsumerError> {
        self.message.double_ack().await.map_err(|e| ConsumerError::of("ack", e))
    }

    /// Publishes this event to the dead-letter subject `<subject>.dead` (stored in the stream
    /// `<STREAM>_DEAD`, created if missing), with its headers plus `Hookgate-Last-Status` (when
    /// there was one), `Hookgate-Last-Error` and `Hookgate-Attempts`, then acknowledges it.
    pub async fn dead_letter(
        &self,
        js: &jetstream::Context,
        stream: &str,
        last_status: Option<u16>,
        last_error: &str,
        attempts: u32,
    ) -> Result<(), ConsumerError> {
        let subject = format!("{}.dead", self.message.subject);
        js.get_or_create_stream(jetstream::stream::Config {
            name: dead_letters(stream),
            subjects: vec![format!("{}.dead", self.message.subject)],
            ..Default::default()
        })
        .await
        .map_err(|e| ConsumerError::of("dead-letter stream", e))?;
        // Without its message id: a redriven copy must not be taken for a duplicate.
        let headers = crate::sink::headers(&self.event).map_err(|e| ConsumerError::of("headers", e))?;
        let mut headers = without(&headers, &[header::MSG_ID]);
        if let Some(status) = last_status {
            headers.insert(LAST_STATUS, status.to_string().as_str());
        }
        headers.insert(LAST_ERROR, last_error.replace(['\r', '\n'], " ").as_str());
        headers.insert(ATTEMPTS, attempts.to_string().as_str());
        let ack = js
            .publish_with_headers(subject, headers, self.event.body().clone())
            .await
            .map_err(|e| ConsumerError::of("dead-letter publish", e))?;
        ack.await.map_err(|e| ConsumerError::of("dead-letter PubAck", e))?;
        self.ack().await
    }
}

const LAST_STATUS: &str = "Hookgate-Last-Status";
const LAST_ERROR: &str = "Hookgate-Last-Error";
const ATTEMPTS: &str = "Hookgate-Attempts";

/// `headers` without the headers `names`.
fn without(headers: &async_nats::HeaderMap, names: &[&str]) -> async_nats::HeaderMap {
    let mut kept = async_nats::HeaderMap::new();
    for (name, values) in headers.iter() {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name.as_ref())) {
            for v in values {
                kept.append(name.clone(), v.clone());
            }
        }
    }
    kept
}

/// The dead-letter stream of `stream`.
pub fn dead_letters(stream: &str) -> String {
    format!("{stream}_DEAD")
}

/// Moves every dead letter of `stream` (`<STREAM>_DEAD`) back to the subject it came from,
/// without its `Hookgate-Last-*` and `Hookgate-Attempts` headers; each is removed from the
/// dead-letter stream once the stream has it again. Returns how many it moved.
pub async fn redrive(url: &str, stream: &str) -> Result<usize, ConsumerError> {
    let client = async_nats::connect(url).await.map_err(|e| ConsumerError::of("connect", e))?;
    let js = jetstream::new(client);
    let dead = match js.get_stream(dead_letters(stream)).await {
        Ok(s) => s,
        Err(_) => return Ok(0),
    };
    let consumer = dead
        .get_or_create_consumer(
            "hookgate-redrive",
            pull::Config { durable_name: Some("hookgate-redrive".into()), ..Default::default() },
        )
        .await
        .map_err(|e| ConsumerError::of("consumer", e))?;
    let mut messages = consumer.messages().await.map_err(|e| ConsumerError::of("messages", e))?;
    let mut moved = 0;
    while let Ok(Some(message)) = tokio::time::timeout(Duration::from_millis(500), messages.next()).await {
        let message = message.map_err(|e| ConsumerError::of("read", e))?;
        let subject = message.subject.trim_end_matches(".dead").to_owned();
        let headers = without(&message.headers.clone().unwrap_or_default(), &[LAST_STATUS, LAST_ERROR, ATTEMPTS]);
        let ack = js
            .publish_with_headers(subject, headers, message.payload.clone())
            .await
            .map_err(|e| ConsumerError::of("publish", e))?;
        ack.await.map_err(|e| ConsumerError::of("PubAck", e))?;
        message.double_ack().await.map_err(|e| ConsumerError::of("ack", e))?;
        moved += 1;
    }
    Ok(moved)
}

/// A durable pull consumer of a JetStream stream. An event is acknowledged only once its handler
/// succeeded; one that is not acknowledged within the ack wait (its consumer crashed, or the
/// handler failed) is delivered again, to this or another instance of the same durable consumer.
///
/// ```no_run
/// # async fn demo() -> Result<(), hookgate_nats::ConsumerError> {
/// use hookgate_nats::NatsConsumer;
/// let mut consumer = NatsConsumer::builder("nats://127.0.0.1:4222").durable("billing").build().await?;
/// consumer
///     .run(|event| async move {
///         println!("{}", event.metadata().delivery_id());
///         Ok::<(), std::io::Error>(())
///     })
///     .await?;
/// # Ok(()) }
/// ```
pub struct NatsConsumer {
    messages: pull::Stream,
}

impl std::fmt::Debug for NatsConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsConsumer").finish_non_exhaustive()
    }
}

/// Configures a [`NatsConsumer`].
#[derive(Debug)]
#[must_use]
pub struct NatsConsumerBuilder {
    url: String,
    stream: String,
    durable: String,
    ack_wait: Duration,
}

impl NatsConsumerBuilder {
    /// The stream (default `HOOKGATE`).
    pub fn stream(mut self, stream: impl Into<String>) -> Self {
        self.stream = stream.into();
        self
    }
    /// The durable consumer's name (default `hookgate`): instances with one name share the work.
    pub fn durable(mut self, name: impl Into<String>) -> Self {
        self.durable = name.into();
        self
    }
    /// How long an event may go unacknowledged before it is delivered again (default 60 s:
    /// longer than any handler should take).
    pub fn ack_wait(mut self, wait: Duration) -> Self {
        self.ack_wait = wait;
        self
    }
    /// Connects, and creates the durable consumer if it does not exist.
    pub async fn build(self) -> Result<NatsConsumer, ConsumerError> {
        let client = async_nats::connect(&self.url).await.map_err(|e| ConsumerError::of("connect", e))?;
        let js = jetstream::new(client);
        let stream = js.get_stream(&self.stream).await.map_err(|e| ConsumerError::of("stream", e))?;
        let config =
            pull::Config { durable_name: Some(self.durable.clone()), ack_wait: self.ack_wait, ..Default::default() };
        let consumer =
            stream.get_or_create_consumer(&self.durable, config).await.map_err(|e| ConsumerError::of("consumer", e))?;
        let messages = consumer.messages().await.map_err(|e| ConsumerError::of("messages", e))?;
        Ok(NatsConsumer { messages })
    }
}

impl NatsConsumer {
    /// Starts configuring a consumer of the stream at `url`.
    pub fn builder(url: impl Into<String>) -> NatsConsumerBuilder {
        NatsConsumerBuilder {
            url: url.into(),
            stream: "HOOKGATE".into(),
            durable: "hookgate".into(),
            ack_wait: Duration::from_secs(60),
        }
    }

    /// The next delivery, waiting for one. A message that is not a hookgate event is logged and
    /// acknowledged away.
    pub async fn next(&mut self) -> Result<Delivery, ConsumerError> {
        loop {
            let message = match self.messages.next().await {
                Some(m) => m.map_err(|e| ConsumerError::of("read", e))?,
                None => return Err(ConsumerError("the consumer's message stream ended".into())),
            };
            match event_of(&message) {
                Some(event) => return Ok(Delivery { event, message }),
                None => {
                    tracing::warn!(subject = %message.subject, "message is not a hookgate event: skipped");
                    message.ack().await.map_err(|e| ConsumerError::of("ack", e))?;
                }
            }
        }
    }

    /// Acknowledges `delivery`: it is handled and not delivered again.
    pub async fn ack(&self, delivery: &Delivery) -> Result<(), ConsumerError> {
        delivery.ack().await
    }

    /// Runs `handler` on every delivery, acknowledging each one it handled (`Ok`); one it failed
    /// is delivered again after the ack wait. Returns only on a NATS error.
    pub async fn run<F, Fut, E>(&mut self, mut handler: F) -> Result<(), ConsumerError>
    where
        F: FnMut(Event) -> Fut,
        Fut: std::future::Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        loop {
            let delivery = self.next().await?;
            match handler(delivery.event.clone()).await {
                Ok(()) => self.ack(&delivery).await?,
                Err(e) => tracing::warn!(
                    delivery_id = delivery.event.metadata().delivery_id(),
                    error = %e,
                    "handler failed: the event is delivered again after the ack wait"
                ),
            }
        }
    }
}

/// The event a [`crate::NatsSink`] message holds.
pub(crate) fn event_of(message: &Message) -> Option<Event> {
    let headers = message.headers.as_ref()?;
    let get = |name: &str| headers.get(name).map(|v| v.as_str().to_owned());
    let received_at =
        get(header::RECEIVED_AT).and_then(|t| humantime::parse_rfc3339(&t).ok()).unwrap_or(std::time::UNIX_EPOCH);
    let metadata = Metadata::new(get(header::ENDPOINT)?, get(header::PROVIDER)?, get(header::DELIVERY_ID)?)
        .with_event_type(get(header::EVENT_TYPE).as_deref())
        .with_timestamp(get(header::TIMESTAMP).and_then(|t| t.parse().ok()))
        .with_received_at(received_at)
        .with_content_type(get(header::CONTENT_TYPE).as_deref());
    Some(Event::new(metadata, Bytes::clone(&message.payload)))
}
