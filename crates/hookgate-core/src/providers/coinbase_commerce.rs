//! Coinbase Commerce.
//!
//! - Signed content: the raw body; HMAC-SHA256 with the shared secret as raw bytes, hex, in
//!   `X-CC-Webhook-Signature` (no prefix).
//! - Id: body `event.id`. Event type: body `event.type` (e.g. `charge:confirmed`). Timestamp: body
//!   `event.created_at`, reported, not enforced (retries go on for days).
//! - Follows: Coinbase Commerce: Webhooks Overview (Checking Signatures) / Securing webhooks,
//!   <https://docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-overview>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::CoinbaseCommerce.name(), "coinbase-commerce");
//! ```

use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, TimestampSource};

/// The `coinbase-commerce` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("coinbase-commerce")
        .signature_header("x-cc-webhook-signature")
        .id(IdSource::BodyField(path("event.id")))
        .event_type(EventTypeSource::BodyFields(vec![path("event.type")]))
        .timestamp(TimestampSource::BodyField(path("event.created_at")))
        .enforce_timestamp(false)
        .build()
        .expect("preset is valid")
}
