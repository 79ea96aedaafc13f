//! SendPilot (outreach), following SendPilot's public webhook guide ("Creating a Webhook Subscription").
//!
//! - `Webhook-Signature: t=<unix>,s=<hex>`; signed content `{t}.{raw body}`, HMAC-SHA256 with the
//!   webhook secret as raw bytes. Several `s=` entries are all checked (the document keeps old and
//!   new secrets valid for 24 h after a rotation; configure both secrets); unknown keys are
//!   ignored; two different `t=` values are refused.
//! - Timestamp: `t=`, enforced (the document's 5-minute tolerance, ±300 s).
//! - Id: body `eventId` (the document says to use it for idempotency), else the digest.
//! - Event type: body `eventType`.
//! - The header name is Standard Webhooks' `webhook-signature` but the syntax is not: pick the
//!   preset per endpoint.
//!
//!
//! ```
//! use hookgate_core::Preset;
//! use hookgate_core::providers::sendpilot::{Event, EventKind};
//! assert_eq!(Preset::Sendpilot.scheme().signature_header(), "webhook-signature");
//!
//! let e: Event = serde_json::from_str(r#"{"eventId":"evt_1","eventType":"lead.bounced","data":{}}"#).unwrap();
//! assert_eq!(e.kind.event_type(), "lead.bounced"); // unknown types still parse
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, SignedContent, TimestampSource};

/// The `sendpilot` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("sendpilot")
        .signature_header("webhook-signature")
        .syntax(SignatureSyntax::params("t", "s"))
        .encoding(Encoding::Hex)
        .signed_content(SignedContent::parse("{timestamp}.{body}").expect("valid template"))
        .timestamp(TimestampSource::SignatureParam)
        .id(IdSource::BodyField(path("eventId")))
        .event_type(EventTypeSource::BodyFields(vec![path("eventType")]))
        .build()
        .expect("preset is valid")
}

/// A SendPilot webhook body: `{"eventId", "eventType", "data"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event id (hookgate's idempotency key).
    pub event_id: Option<String>,
    /// The event and its data.
    pub kind: EventKind,
}

impl<'de> serde::Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            event_id: Option<String>,
            event_type: String,
            #[serde(default)]
            data: serde_json::Value,
        }
        let r = Raw::deserialize(d)?;
        Ok(Event { event_id: r.event_id, kind: EventKind::from_parts(r.event_type, r.data)? })
    }
}

provider_events! {
    /// The event types SendPilot's guide names (its payload fields are not documented, so the
    /// data is kept as JSON).
    pub enum EventKind {
        /// A lead replied.
        "message.received" => MessageReceived(serde_json::Value),
        /// A connection request was accepted.
        "connection.accepted" => ConnectionAccepted(serde_json::Value),
    }
}
