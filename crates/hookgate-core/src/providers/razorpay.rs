//! Razorpay.
//!
//! - Signed content: the raw body; HMAC-SHA256 with the webhook secret as raw bytes, hex, in
//!   `X-Razorpay-Signature` (no prefix). After a secret change, retries of older events keep the
//!   old signature: configure both secrets for a while.
//! - Id: `X-Razorpay-Event-Id`. Event type: body `event`. Timestamp: none signed.
//! - Follows: Razorpay: Validate and Test Webhooks,
//!   <https://razorpay.com/docs/webhooks/validate-test/>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Razorpay.name(), "razorpay");
//! ```

use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme};

/// The `razorpay` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("razorpay")
        .signature_header("x-razorpay-signature")
        .id(IdSource::Header("x-razorpay-event-id".into()))
        .event_type(EventTypeSource::BodyFields(vec![path("event")]))
        .build()
        .expect("preset is valid")
}
