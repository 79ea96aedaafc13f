//! Square (webhook subscriptions).
//!
//! - Signed content: `{notification URL}{raw body}`, the URL exactly as configured in the
//!   subscription; HMAC-SHA256 with the signature key as raw bytes, base64, in
//!   `x-square-hmacsha256-signature`. Set the endpoint's `public_url` to that URL.
//! - Id: body `event_id` (Square's idempotency value, the same on retries). Event type: body
//!   `type`. Timestamp: none signed (`square-initial-delivery-timestamp` is the first attempt's,
//!   unsigned), so none is enforced.
//! - Follows: Square: Verify and Validate an Event Notification,
//!   <https://developer.squareup.com/docs/webhooks/step3validate>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Square.name(), "square");
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignedContent};

/// The `square` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("square")
        .signature_header("x-square-hmacsha256-signature")
        .encoding(Encoding::Base64)
        .signed_content(SignedContent::parse("{url}{body}").expect("valid template"))
        .id(IdSource::BodyField(path("event_id")))
        .event_type(EventTypeSource::BodyFields(vec![path("type")]))
        .build()
        .expect("preset is valid")
}
