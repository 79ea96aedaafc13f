//! Typeform.
//!
//! - Signed content: the raw body; HMAC-SHA256 with the webhook secret as raw bytes, in
//!   `Typeform-Signature: sha256=<base64>` (base64 despite the prefix).
//! - Id: body `event_id`. Event type: body `event_type` (`form_response`). Timestamp: none.
//! - Follows: Typeform: Secure your webhooks,
//!   <https://www.typeform.com/developers/webhooks/secure-your-webhooks/>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Typeform.name(), "typeform");
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax};

/// The `typeform` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("typeform")
        .signature_header("typeform-signature")
        .syntax(SignatureSyntax::Single { prefix: "sha256=".into(), prefix_required: true })
        .encoding(Encoding::Base64)
        .id(IdSource::BodyField(path("event_id")))
        .event_type(EventTypeSource::BodyFields(vec![path("event_type")]))
        .build()
        .expect("preset is valid")
}
