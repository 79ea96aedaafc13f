//! Mux.
//!
//! - Signed content: `{t}.{raw body}`; HMAC-SHA256 with the webhook signing secret as raw bytes,
//!   in `Mux-Signature: t=<unix>,v1=<hex>` (every `v1` is checked).
//! - Timestamp: `t=`, Unix seconds, enforced. Id: body `id`. Event type: body `type`.
//! - Follows: Mux: Verify webhook signatures,
//!   <https://www.mux.com/docs/core/verify-webhook-signatures>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Mux.name(), "mux");
//! ```

use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, SignedContent, TimestampSource};

/// The `mux` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("mux")
        .signature_header("mux-signature")
        .syntax(SignatureSyntax::params("t", "v1"))
        .signed_content(SignedContent::parse("{timestamp}.{body}").expect("valid template"))
        .timestamp(TimestampSource::SignatureParam)
        .id(IdSource::BodyField(path("id")))
        .event_type(EventTypeSource::BodyFields(vec![path("type")]))
        .build()
        .expect("preset is valid")
}
