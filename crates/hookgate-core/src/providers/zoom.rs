//! Zoom (webhooks).
//!
//! - Signed content: `v0:{x-zm-request-timestamp}:{raw body}`; HMAC-SHA256 with the secret token
//!   as raw bytes, in `x-zm-signature: v0=<hex>`.
//! - Timestamp: `x-zm-request-timestamp`, Unix seconds, enforced. Id: none documented, so the
//!   digest. Event type: body `event`.
//! - Handshake: a verified `endpoint.url_validation` is answered `200 {"plainToken": p,
//!   "encryptedToken": hex(HMAC-SHA256(secret, p))}`.
//! - Follows: Zoom Developer Docs: Using webhooks (Verify webhook events; Validate your webhook
//!   endpoint), <https://developers.zoom.us/docs/api/webhooks/>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Zoom.name(), "zoom");
//! ```

use crate::handshake::Handshake;
use crate::providers::path;
use crate::scheme::{EventTypeSource, Scheme, SignatureSyntax, SignedContent, TimestampSource};

/// The `zoom` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("zoom")
        .signature_header("x-zm-signature")
        .syntax(SignatureSyntax::Single { prefix: "v0=".into(), prefix_required: true })
        .signed_content(SignedContent::parse("v0:{timestamp}:{body}").expect("valid template"))
        .timestamp(TimestampSource::Header("x-zm-request-timestamp".into()))
        .event_type(EventTypeSource::BodyFields(vec![path("event")]))
        .handshake(Handshake::ZoomUrlValidation)
        .build()
        .expect("preset is valid")
}
