//! Mailgun (JSON webhooks).
//!
//! - The signature is inside the body: `signature.signature`, hex HMAC-SHA256 of
//!   `{signature.timestamp}{signature.token}` with the webhook signing key as raw bytes. **The
//!   rest of the body is not signed** (Mailgun's design): only the token and the timestamp are.
//! - Id: body `signature.token`, the signed one-time token (Mailgun says to cache it against
//!   replays): a captured signature is accepted once, whatever event data comes with it, and
//!   never after its timestamp is stale. Mailgun's retries carry new tokens: dedupe on
//!   `event-data.id` in your handler too.
//! - Timestamp: body `signature.timestamp`, Unix seconds, required and enforced after the
//!   signature (Mailgun's SDK allows 900 s). Event type: body `event-data.event`.
//! - Follows: Mailgun: Securing Webhooks,
//!   <https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Mailgun.name(), "mailgun");
//! ```

use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignedContent, TimestampSource};

/// The `mailgun` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("mailgun")
        .signature_field(path("signature.signature"))
        .signed_content(
            SignedContent::parse("{field:signature.timestamp}{field:signature.token}").expect("valid template"),
        )
        .timestamp(TimestampSource::BodyField(path("signature.timestamp")))
        .id(IdSource::BodyField(path("signature.token")))
        .event_type(EventTypeSource::BodyFields(vec![path("event-data.event")]))
        .build()
        .expect("preset is valid")
}
