//! Prime Bot (Telegram campaigns), following Prime Bot's public webhook documentation, "Webhooks".
//!
//! - Signed content: the raw, unparsed body. `X-PrimeBot-Signature: sha256=<hex HMAC-SHA256>`,
//!   keyed with the signing secret as raw bytes.
//! - Timestamp: `X-PrimeBot-Timestamp`, Unix seconds. It is **not signed**, but the document says
//!   to reject anything older than ~5 minutes, so it is required and enforced both ways (±300 s
//!   by default). An attacker cannot use this to replay: a stale capture with a fresh timestamp
//!   is still caught by the delivery id in the idempotency store.
//! - Id: `X-PrimeBot-Delivery`, which the document says to use for idempotency (required).
//! - Event type: `X-PrimeBot-Event` (also body `type`).
//!
//!
//! Typed events: [`Event`] (the envelope) and [`EventKind`] (one variant per documented event).
//!
//! ```
//! use hookgate_core::Preset;
//! use hookgate_core::providers::primebot::{Event, EventKind};
//! assert_eq!(Preset::Primebot.scheme().signature_header(), "x-primebot-signature");
//!
//! let e: Event = serde_json::from_str(r#"{"id":"evt_01H8Q3","type":"message.received",
//!     "created_at":"2026-04-21T16:02:41Z","data":{"campaign_id":1,"sender_id":904,
//!     "telegram_message_id":"1827361231","body":"what's the pricing like?"}}"#).unwrap();
//! let EventKind::MessageReceived(m) = &e.kind else { panic!() };
//! assert_eq!(m.body.as_deref(), Some("what's the pricing like?"));
//! ```

use crate::Encoding;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, TimestampSource};

/// The `primebot` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("primebot")
        .signature_header("x-primebot-signature")
        .syntax(SignatureSyntax::Single { prefix: "sha256=".into(), prefix_required: true })
        .encoding(Encoding::Hex)
        .timestamp(TimestampSource::Header("x-primebot-timestamp".into()))
        .id(IdSource::Header("x-primebot-delivery".into()))
        .event_type(EventTypeSource::Header("x-primebot-event".into()))
        .build()
        .expect("preset is valid")
}

/// A Prime Bot webhook body: `{"id", "type", "created_at", "data"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `evt_...`
    pub id: String,
    /// RFC 3339.
    pub created_at: Option<String>,
    /// The event and its data.
    pub kind: EventKind,
}

impl<'de> serde::Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            id: String,
            #[serde(rename = "type")]
            event_type: String,
            created_at: Option<String>,
            #[serde(default)]
            data: serde_json::Value,
        }
        let r = Raw::deserialize(d)?;
        Ok(Event { id: r.id, created_at: r.created_at, kind: EventKind::from_parts(r.event_type, r.data)? })
    }
}

provider_events! {
    /// Prime Bot's event types.
    pub enum EventKind {
        /// Endpoint registered or re-tested.
        "ping" => Ping(serde_json::Value),
        /// An inbound DM arrived on a connected Telegram account.
        "message.received" => MessageReceived(Message),
        /// A campaign sent an outbound message.
        "message.sent" => MessageSent(Message),
        /// A send attempt failed terminally.
        "message.failed" => MessageFailed(Message),
        /// A campaign started running.
        "campaign.started" => CampaignStarted(Campaign),
        /// A campaign was paused.
        "campaign.paused" => CampaignPaused(Campaign),
        /// A broadcast finished its contact list.
        "campaign.completed" => CampaignCompleted(Campaign),
        /// A contact replied during a sequence (the sequence auto-pauses).
        "sender.replied" => SenderReplied(Message),
    }
}

/// The data of message events (fields as documented; others kept in `extra`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Message {
    /// The campaign.
    pub campaign_id: Option<i64>,
    /// The sending account.
    pub sender_id: Option<i64>,
    /// Telegram's message id.
    pub telegram_message_id: Option<String>,
    /// The text.
    pub body: Option<String>,
    /// Undocumented fields.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The data of campaign events.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Campaign {
    /// The campaign.
    pub campaign_id: Option<i64>,
    /// Undocumented fields.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
