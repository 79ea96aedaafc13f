//! Pollybot (chatbot leads), following Pollybot's public webhook documentation ("Lead Management", v1.0).
//!
//! - Signed content: the raw body. `X-Webhook-Signature: sha256=<hex HMAC-SHA256>`, secret as raw
//!   bytes (Pollybot's secrets look like `whsec_...` but are *not* base64-decoded: the document's
//!   code passes the string straight to `createHmac`).
//! - The document's own verification code strips `sha256=` with `replace`, so a bare hex value is
//!   accepted too.
//! - Id: none is sent; the key is `sha256:<hex>` of the body, which catches byte-identical retries.
//! - Event type: body `event` (e.g. `LEAD_CREATED`).
//! - Timestamp: body `timestamp` (Unix seconds), reported but not enforced: it is inside the body,
//!   and the document asks for no replay check.
//!
//!
//! ```
//! use hookgate_core::{IdSource, Preset};
//! use hookgate_core::providers::pollybot::{Event, EventKind};
//! assert_eq!(Preset::Pollybot.scheme().id_source(), &IdSource::Digest);
//!
//! let e: Event = serde_json::from_str(r#"{"event":"LEAD_CREATED","timestamp":1699123456,
//!     "data":{"id":"clp123abc456","name":"John Doe","tags":["website"]},"chatbotId":"c1"}"#).unwrap();
//! let EventKind::LeadCreated(lead) = &e.kind else { panic!() };
//! assert_eq!(lead.name.as_deref(), Some("John Doe"));
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, TimestampSource};

/// The `pollybot` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("pollybot")
        .signature_header("x-webhook-signature")
        .syntax(SignatureSyntax::Single { prefix: "sha256=".into(), prefix_required: false })
        .encoding(Encoding::Hex)
        .timestamp(TimestampSource::BodyField(path("timestamp")))
        .enforce_timestamp(false)
        .id(IdSource::Digest)
        .event_type(EventTypeSource::BodyFields(vec![path("event")]))
        .build()
        .expect("preset is valid")
}

/// A Pollybot webhook body: `{"event", "timestamp", "data", "chatbotId"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unix seconds.
    pub timestamp: Option<i64>,
    /// The chatbot.
    pub chatbot_id: Option<String>,
    /// The event and its data.
    pub kind: EventKind,
}

impl<'de> serde::Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            event: String,
            timestamp: Option<i64>,
            #[serde(default)]
            data: serde_json::Value,
            chatbot_id: Option<String>,
        }
        let r = Raw::deserialize(d)?;
        Ok(Event { timestamp: r.timestamp, chatbot_id: r.chatbot_id, kind: EventKind::from_parts(r.event, r.data)? })
    }
}

provider_events! {
    /// Pollybot's event types (`LEAD_UPDATED`, `CONVERSATION_*` are announced but not yet sent:
    /// they arrive as `Unknown`).
    pub enum EventKind {
        /// A new lead was created.
        "LEAD_CREATED" => LeadCreated(Lead),
    }
}

/// A lead, as documented.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lead {
    /// The lead.
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Their message.
    pub message: Option<String>,
    /// `email`, `phone`, ...
    pub preferred_method: Option<String>,
    /// `low`, `medium`, `high`.
    pub urgency: Option<String>,
    /// e.g. `chat_widget`.
    pub source: Option<String>,
    /// e.g. `NEW`.
    pub status: Option<String>,
    /// e.g. `MEDIUM`.
    pub priority: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Custom fields.
    #[serde(default)]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    /// The chatbot.
    pub chatbot_id: Option<String>,
    /// RFC 3339.
    pub created_at: Option<String>,
    /// RFC 3339.
    pub updated_at: Option<String>,
}
