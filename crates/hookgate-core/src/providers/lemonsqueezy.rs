//! Lemon Squeezy.
//!
//! - Signed content: the raw body; HMAC-SHA256 with the signing secret as raw bytes, hex, in
//!   `X-Signature` (no prefix).
//! - Id: body `meta.webhook_id` when present (newer payloads), else the digest. Event type:
//!   `X-Event-Name`. Timestamp: none.
//! - Follows: Lemon Squeezy: Signing Requests,
//!   <https://docs.lemonsqueezy.com/help/webhooks/signing-requests> (headers: Webhook Requests,
//!   <https://docs.lemonsqueezy.com/help/webhooks/webhook-requests>).
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Lemonsqueezy.name(), "lemonsqueezy");
//! ```

use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme};

/// The `lemonsqueezy` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("lemonsqueezy")
        .signature_header("x-signature")
        .id(IdSource::BodyField(path("meta.webhook_id")))
        .event_type(EventTypeSource::Header("x-event-name".into()))
        .build()
        .expect("preset is valid")
}
