//! Pollybot (chatbot leads), from its webhook document (`shared/seeds/002_*`).
//!
//! - Signed content: the raw body. `X-Webhook-Signature: sha256=<hex HMAC-SHA256>`, secret as raw
//!   bytes (Pollybot's secrets look like `whsec_...` but are *not* base64-decoded: the document's
//!   code passes the string straight to `createHmac`).
//! - The document's own verification code strips `sha256=` with `replace`, so a bare hex value is
//!   accepted too.
//! - Id: none is sent; the key is `sha256:<hex>` of the body, which catches byte-identical retries.
//! - Event type: body `event` (e.g. `LEAD_CREATED`).
//! - Timestamp: body `timestamp` (Unix seconds), reported but not enforced: it is inside the body,
//!   and the document asks for no replay check.
//!
//! ```
//! use hookgate_core::{IdSource, Preset};
//! assert_eq!(Preset::Pollybot.scheme().id_source(), &IdSource::Digest);
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, TimestampSource};

/// The `pollybot` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("pollybot")
        .signature_header("x-webhook-signature")
        .syntax(SignatureSyntax::Single { prefix: "sha256=".into(), prefix_required: false })
        .encoding(Encoding::Hex)
        .timestamp(TimestampSource::BodyField(path("timestamp")))
        .id(IdSource::Digest)
        .event_type(EventTypeSource::BodyFields(vec![path("event")]))
        .build()
        .expect("preset is valid")
}
