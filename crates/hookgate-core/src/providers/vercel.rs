//! Vercel.
//!
//! - Signed content: the raw body; HMAC-SHA1 with the webhook (or integration client) secret as
//!   raw bytes, hex, in `x-vercel-signature` (no prefix).
//! - Id: body `id`. Event type: body `type`. Timestamp: body `createdAt`, Unix milliseconds,
//!   reported, not enforced.
//! - Follows: Vercel: Webhooks API Reference (Securing webhooks),
//!   <https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Vercel.name(), "vercel");
//! ```

use crate::providers::path;
use crate::scheme::{Algorithm, EventTypeSource, IdSource, Scheme, TimestampFormat, TimestampSource};

/// The `vercel` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("vercel")
        .algorithm(Algorithm::HmacSha1)
        .signature_header("x-vercel-signature")
        .id(IdSource::BodyField(path("id")))
        .event_type(EventTypeSource::BodyFields(vec![path("type")]))
        .timestamp(TimestampSource::BodyField(path("createdAt")))
        .timestamp_format(TimestampFormat::UnixMillis)
        .enforce_timestamp(false)
        .build()
        .expect("preset is valid")
}
