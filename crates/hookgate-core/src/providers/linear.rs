//! Linear.
//!
//! - Signed content: the raw body; HMAC-SHA256 with the webhook's signing secret as raw bytes,
//!   hex, in `Linear-Signature` (no prefix).
//! - Id: `Linear-Delivery`. Event type: `Linear-Event` (e.g. `Issue`). Timestamp: body
//!   `webhookTimestamp`, Unix milliseconds, enforced after the signature (Linear's SDK allows 60
//!   s).
//! - Follows: Linear: Webhooks, Securing webhooks, <https://linear.app/developers/webhooks>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Linear.name(), "linear");
//! ```

use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, TimestampFormat, TimestampSource};

/// The `linear` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("linear")
        .signature_header("linear-signature")
        .id(IdSource::Header("linear-delivery".into()))
        .event_type(EventTypeSource::Header("linear-event".into()))
        .timestamp(TimestampSource::BodyField(path("webhookTimestamp")))
        .timestamp_format(TimestampFormat::UnixMillis)
        .build()
        .expect("preset is valid")
}
