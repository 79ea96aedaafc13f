//! Promptha (AI generation), following Promptha's public "Webhook Implementation Guide".
//!
//! - Signed content: `{x-promptha-timestamp}.{payload}`, HMAC-SHA256 with the webhook secret as
//!   raw bytes, bare lowercase hex in `x-promptha-signature`.
//! - The document's code signs `JSON.stringify(req.body)` after `express.json()` has parsed it.
//!   What Promptha's (Node) sender posts is that same `JSON.stringify` output, so hookgate
//!   verifies **the raw bytes**. Re-serialising a parsed body instead would accept bodies that
//!   differ from what was signed (key order, number formats, duplicate keys), so it is never
//!   done; `hookgate verify` reports when a signature matches only a re-encoded body. The
//!   document also compares with `!==`; hookgate compares in constant time.
//! - Timestamp: `x-promptha-timestamp`, Unix seconds, signed and enforced (the document rejects
//!   `|now - t| > 300`).
//! - Id: body `data.eventId` (what the document deduplicates on), else the digest.
//! - Event type: body `event`.
//!
//!
//! ```
//! use hookgate_core::Preset;
//! use hookgate_core::providers::promptha::{Event, EventKind};
//! assert_eq!(Preset::Promptha.scheme().signed_content().to_string(), "{timestamp}.{body}");
//!
//! let e: Event = serde_json::from_str(r#"{"event":"credits.low","timestamp":1700000000,
//!     "data":{"remaining":12,"threshold":50,"userId":"u1"}}"#).unwrap();
//! assert!(matches!(e.kind, EventKind::CreditsLow(ref c) if c.remaining == Some(12.0)));
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, SignedContent, TimestampSource};

/// The `promptha` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("promptha")
        .signature_header("x-promptha-signature")
        .syntax(SignatureSyntax::Single { prefix: "".into(), prefix_required: true })
        .encoding(Encoding::Hex)
        .signed_content(SignedContent::parse("{timestamp}.{body}").expect("valid template"))
        .timestamp(TimestampSource::Header("x-promptha-timestamp".into()))
        .id(IdSource::BodyField(path("data.eventId")))
        .event_type(EventTypeSource::BodyFields(vec![path("event")]))
        .build()
        .expect("preset is valid")
}

/// A Promptha webhook body: `{"event", "data", "timestamp"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unix seconds, when sent.
    pub timestamp: Option<i64>,
    /// The event and its data.
    pub kind: EventKind,
}

impl<'de> serde::Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            event: String,
            #[serde(default)]
            data: serde_json::Value,
            timestamp: Option<i64>,
        }
        let r = Raw::deserialize(d)?;
        Ok(Event { timestamp: r.timestamp, kind: EventKind::from_parts(r.event, r.data)? })
    }
}

provider_events! {
    /// Promptha's event types.
    pub enum EventKind {
        /// Execution began.
        "fabric.started" => FabricStarted(Fabric),
        /// Execution finished.
        "fabric.completed" => FabricCompleted(Fabric),
        /// Execution errored.
        "fabric.failed" => FabricFailed(Fabric),
        /// New session started.
        "ask.session.created" => AskSessionCreated(AskSession),
        /// New message in a session.
        "ask.message" => AskMessage(AskSession),
        /// Session completed.
        "ask.session.ended" => AskSessionEnded(AskSession),
        /// Credits below the threshold.
        "credits.low" => CreditsLow(Credits),
        /// Credits exhausted.
        "credits.depleted" => CreditsDepleted(Credits),
        /// Credits added.
        "credits.purchased" => CreditsPurchased(Credits),
    }
}

/// `fabric.*` data.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fabric {
    /// The delivery's id (hookgate's idempotency key).
    pub event_id: Option<String>,
    /// The execution.
    pub execution_id: Option<String>,
    /// The fabric.
    pub fabric_id: Option<String>,
    /// `fabric.started`: the inputs.
    pub inputs: Option<serde_json::Value>,
    /// `fabric.completed`: the result.
    pub result: Option<serde_json::Value>,
    /// `fabric.completed`: token usage.
    pub usage: Option<serde_json::Value>,
    /// `fabric.failed`: the error (`type`, `message`).
    pub error: Option<serde_json::Value>,
}

/// `ask.*` data.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AskSession {
    /// The delivery's id.
    pub event_id: Option<String>,
    /// The session.
    pub session_id: Option<String>,
    /// `ask.session.created`: the ask.
    pub ask_id: Option<String>,
    /// `ask.message`: the message.
    pub message: Option<serde_json::Value>,
    /// `ask.session.ended`: the summary.
    pub summary: Option<serde_json::Value>,
}

/// `credits.*` data.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credits {
    /// The delivery's id.
    pub event_id: Option<String>,
    /// The user.
    pub user_id: Option<String>,
    /// `credits.low`: credits left.
    pub remaining: Option<f64>,
    /// `credits.low`: the threshold.
    pub threshold: Option<f64>,
    /// `credits.depleted`: the last usage.
    pub last_usage: Option<serde_json::Value>,
    /// `credits.purchased`: credits bought.
    pub amount: Option<f64>,
    /// `credits.purchased`: the new balance.
    pub new_balance: Option<f64>,
}
