//! Mailgun (JSON webhooks).
//!
//! - The signature is inside the body: `signature.signature`, hex HMAC-SHA256 of
//!   `{signature.timestamp}{signature.token}` with the webhook signing key as raw bytes. **The
//!   rest of the body is not signed** (Mailgun's design): the token and timestamp are, so a
//!   captured request cannot be replayed once its id is remembered or its timestamp is stale.
//! - Timestamp: body `signature.timestamp`, Unix seconds, enforced after the signature (Mailgun's
//!   SDK allows 900 s). Id: body `event-data.id`. Event type: body `event-data.event`.
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
        .id(IdSource::BodyField(path("event-data.id")))
        .event_type(EventTypeSource::BodyFields(vec![path("event-data.event")]))
        .build()
        .expect("preset is valid")
}
