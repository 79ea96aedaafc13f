//! TwaBot (WhatsApp), following TwaBot's public "TwaBot Webhooks" documentation.
//!
//! - Signed content: the payload; `X-TwaBot-Signature: <hex HMAC-SHA256>` (bare hex), secret as
//!   raw bytes.
//! - The document's Node example signs `JSON.stringify(payload)`, which is exactly the body TwaBot's
//!   Node sender posts, and its PHP example verifies the raw body; its Python example
//!   (`json.dumps`, which adds spaces) would fail on real deliveries. hookgate verifies **the raw
//!   bytes**: never a re-serialisation, which could accept content that was not signed.
//!   The document compares with `===`; hookgate compares in constant time.
//! - The secret is optional on TwaBot's side; hookgate always requires one.
//! - Id: body `data.message_id` when present. Never `conversation_id`, which many messages share:
//!   deduplicating on it would drop real messages. Otherwise the digest of the body.
//! - Event type: body `event`. Timestamp: body `timestamp` (RFC 3339), reported, not enforced.
//!   TwaBot does not retry, so duplicates are rare, but the document warns they happen.
//!
//!
//! ```
//! use hookgate_core::Preset;
//! use hookgate_core::providers::twabot::{Event, EventKind};
//! assert_eq!(Preset::Twabot.scheme().signature_header(), "x-twabot-signature");
//!
//! let e: Event = serde_json::from_str(r#"{"event":"broadcast.completed","timestamp":"2026-04-02T11:45:00.000Z",
//!     "data":{"broadcast_id":89,"template_name":"diwali_offer","total_recipients":5000,"sent":4850,"failed":150,"business_id":56}}"#).unwrap();
//! assert!(matches!(e.kind, EventKind::BroadcastCompleted(ref b) if b.failed == Some(150)));
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, TimestampSource};

/// The `twabot` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("twabot")
        .signature_header("x-twabot-signature")
        .syntax(SignatureSyntax::Single { prefix: "".into(), prefix_required: true })
        .encoding(Encoding::Hex)
        .timestamp(TimestampSource::BodyField(path("timestamp")))
        .enforce_timestamp(false)
        .id(IdSource::BodyField(path("data.message_id")))
        .event_type(EventTypeSource::BodyFields(vec![path("event")]))
        .build()
        .expect("preset is valid")
}

/// A TwaBot webhook body: `{"event", "timestamp", "data"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// RFC 3339.
    pub timestamp: Option<String>,
    /// The event and its data.
    pub kind: EventKind,
}

impl<'de> serde::Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            event: String,
            timestamp: Option<String>,
            #[serde(default)]
            data: serde_json::Value,
        }
        let r = Raw::deserialize(d)?;
        Ok(Event { timestamp: r.timestamp, kind: EventKind::from_parts(r.event, r.data)? })
    }
}

provider_events! {
    /// TwaBot's five event types.
    pub enum EventKind {
        /// A customer sent a WhatsApp message.
        "message.received" => MessageReceived(Message),
        /// An agent, the system or the API sent a message.
        "message.sent" => MessageSent(Message),
        /// A new customer's first message.
        "conversation.created" => ConversationCreated(Conversation),
        /// A broadcast finished.
        "broadcast.completed" => BroadcastCompleted(Broadcast),
        /// The AI auto-reply answered.
        "ai.replied" => AiReplied(Message),
    }
}

/// `message.*` and `ai.replied` data.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Message {
    /// WhatsApp's message id (`wamid...`): hookgate's idempotency key.
    pub message_id: Option<String>,
    /// `message.received`: sender's number.
    pub from: Option<String>,
    /// `message.received`: sender's name.
    pub from_name: Option<String>,
    /// Recipient's number.
    pub to: Option<String>,
    /// `text`, `image`, ...
    #[serde(rename = "type")]
    pub message_type: Option<String>,
    /// The text.
    pub text: Option<String>,
    /// Media messages: the media type.
    pub media_type: Option<String>,
    /// Media messages: the media id.
    pub media_id: Option<String>,
    /// Media messages: the MIME type.
    pub mime_type: Option<String>,
    /// `message.sent`: `agent`, `system`, `api`.
    pub sent_by: Option<String>,
    /// `ai.replied`: the AI's answer.
    pub ai_response: Option<String>,
    /// The conversation (shared by many messages).
    pub conversation_id: Option<i64>,
    /// The business.
    pub business_id: Option<i64>,
}

/// `conversation.created` data.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Conversation {
    /// The conversation.
    pub conversation_id: Option<i64>,
    /// Customer's number.
    pub customer_phone: Option<String>,
    /// Customer's name.
    pub customer_name: Option<String>,
    /// The first message.
    pub first_message: Option<String>,
    /// The business.
    pub business_id: Option<i64>,
}

/// `broadcast.completed` data.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Broadcast {
    /// The broadcast.
    pub broadcast_id: Option<i64>,
    /// The template.
    pub template_name: Option<String>,
    /// Recipients.
    pub total_recipients: Option<u64>,
    /// Sent.
    pub sent: Option<u64>,
    /// Failed.
    pub failed: Option<u64>,
    /// The business.
    pub business_id: Option<i64>,
}
