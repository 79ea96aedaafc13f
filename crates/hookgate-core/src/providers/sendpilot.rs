//! SendPilot (outreach), from its webhook guide (`shared/seeds/004_*`).
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
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Sendpilot.scheme().signature_header(), "webhook-signature");
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, SignedContent, TimestampSource};

/// The `sendpilot` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("sendpilot")
        .signature_header("webhook-signature")
        .syntax(SignatureSyntax::Params { timestamp_key: "t".into(), signature_key: "s".into() })
        .encoding(Encoding::Hex)
        .signed_content(SignedContent::parse("{timestamp}.{body}").expect("valid template"))
        .timestamp(TimestampSource::SignatureParam)
        .id(IdSource::BodyField(path("eventId")))
        .event_type(EventTypeSource::BodyFields(vec![path("eventType")]))
        .build()
        .expect("preset is valid")
}
