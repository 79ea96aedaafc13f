//! TwaBot (WhatsApp), from its webhook document (`shared/seeds/003_*`).
//!
//! - Signed content: the payload; `X-TwaBot-Signature: <hex HMAC-SHA256>` (bare hex), secret as
//!   raw bytes.
//! - The document's Node example signs `JSON.stringify(payload)`, which is exactly the body TwaBot's
//!   Node sender posts, and its PHP example verifies the raw body; its Python example
//!   (`json.dumps`, which adds spaces) would fail on real deliveries. hookgate verifies **the raw
//!   bytes**: never a re-serialisation, which could accept content that was not signed.
//!   The document compares with `===`; hookgate compares in constant time.
//! - The secret is optional on TwaBot's side; hookgate always requires one.
//! - Id: body `data.message_id` when present. Never `conversation_id`, which many messages share:
//!   deduplicating on it would drop real messages. Otherwise the digest of the body.
//! - Event type: body `event`. Timestamp: body `timestamp` (RFC 3339), reported, not enforced.
//!   TwaBot does not retry, so duplicates are rare, but the document warns they happen.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Twabot.scheme().signature_header(), "x-twabot-signature");
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, TimestampSource};

/// The `twabot` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("twabot")
        .signature_header("x-twabot-signature")
        .syntax(SignatureSyntax::Single { prefix: "".into(), prefix_required: true })
        .encoding(Encoding::Hex)
        .timestamp(TimestampSource::BodyField(path("timestamp")))
        .id(IdSource::BodyField(path("data.message_id")))
        .event_type(EventTypeSource::BodyFields(vec![path("event")]))
        .build()
        .expect("preset is valid")
}
