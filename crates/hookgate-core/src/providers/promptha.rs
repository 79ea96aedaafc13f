//! Promptha (AI generation), from its "Webhook Implementation Guide" (`shared/seeds/001_*`).
//!
//! - Signed content: `{x-promptha-timestamp}.{payload}`, HMAC-SHA256 with the webhook secret as
//!   raw bytes, bare lowercase hex in `x-promptha-signature`.
//! - The document's code signs `JSON.stringify(req.body)` after `express.json()` has parsed it.
//!   What Promptha's (Node) sender posts is that same `JSON.stringify` output, so hookgate
//!   verifies **the raw bytes**. Re-serialising a parsed body instead would accept bodies that
//!   differ from what was signed (key order, number formats, duplicate keys), so it is never
//!   done; `hookgate verify` reports when a signature matches only a re-encoded body. The
//!   document also compares with `!==`; hookgate compares in constant time.
//! - Timestamp: `x-promptha-timestamp`, Unix seconds, signed and enforced (the document rejects
//!   `|now - t| > 300`).
//! - Id: body `data.eventId` (what the document deduplicates on), else the digest.
//! - Event type: body `event`.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Promptha.scheme().signed_content().to_string(), "{timestamp}.{body}");
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, SignedContent, TimestampSource};

/// The `promptha` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("promptha")
        .signature_header("x-promptha-signature")
        .syntax(SignatureSyntax::Single { prefix: "".into(), prefix_required: true })
        .encoding(Encoding::Hex)
        .signed_content(SignedContent::parse("{timestamp}.{body}").expect("valid template"))
        .timestamp(TimestampSource::Header("x-promptha-timestamp".into()))
        .id(IdSource::BodyField(path("data.eventId")))
        .event_type(EventTypeSource::BodyFields(vec![path("event")]))
        .build()
        .expect("preset is valid")
}
