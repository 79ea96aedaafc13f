//! Calendly.
//!
//! - Signed content: `{t}.{raw body}`; HMAC-SHA256 with the webhook signing key as raw bytes, in
//!   `Calendly-Webhook-Signature: t=<unix>,v1=<hex>`.
//! - Timestamp: `t=`, Unix seconds, enforced (Calendly's example: 180 s). Id: none, so the digest.
//!   Event type: body `event`.
//! - Follows: Calendly: Webhook Signatures,
//!   <https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Calendly.name(), "calendly");
//! ```

use crate::providers::path;
use crate::scheme::{EventTypeSource, Scheme, SignatureSyntax, SignedContent, TimestampSource};

/// The `calendly` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("calendly")
        .signature_header("calendly-webhook-signature")
        .syntax(SignatureSyntax::params("t", "v1"))
        .signed_content(SignedContent::parse("{timestamp}.{body}").expect("valid template"))
        .timestamp(TimestampSource::SignatureParam)
        .event_type(EventTypeSource::BodyFields(vec![path("event")]))
        .build()
        .expect("preset is valid")
}
