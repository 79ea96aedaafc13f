//! Slack.
//!
//! - Signed content: `v0:{X-Slack-Request-Timestamp}:{raw body}`; `X-Slack-Signature: v0=<hex>`,
//!   HMAC-SHA256 with the signing secret as raw bytes.
//! - Timestamp: `X-Slack-Request-Timestamp`, signed and enforced (Slack recommends 5 minutes).
//! - Id: body `event_id` (Events API) when present, else the digest (slash commands and
//!   interactivity are form-encoded and carry none). Event type: body `event.type`, else `type`.
//! - Handshake: a verified `url_verification` (sent when the Events API request URL is saved) is
//!   answered `200 text/plain` with its `challenge`, never handed off.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Slack.scheme().signed_content().to_string(), "v0:{timestamp}:{body}");
//! ```

use crate::Encoding;
use crate::handshake::Handshake;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, SignedContent, TimestampSource};

/// The `slack` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("slack")
        .signature_header("x-slack-signature")
        .syntax(SignatureSyntax::Single { prefix: "v0=".into(), prefix_required: true })
        .encoding(Encoding::Hex)
        .signed_content(SignedContent::parse("v0:{timestamp}:{body}").expect("valid template"))
        .timestamp(TimestampSource::Header("x-slack-request-timestamp".into()))
        .id(IdSource::BodyField(path("event_id")))
        .event_type(EventTypeSource::BodyFields(vec![path("event.type"), path("type")]))
        .handshake(Handshake::SlackUrlVerification)
        .build()
        .expect("preset is valid")
}
