//! Stripe.
//!
//! - Signed content: `{t}.{raw body}`; HMAC-SHA256 with the endpoint secret (`whsec_...` used as
//!   raw bytes, *not* decoded), hex.
//! - `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...][,v0=<hex>]`: every `v1` is checked (several
//!   during a secret roll); `v0` and unknown keys are ignored, so nobody can downgrade; two different
//!   `t=` values are refused as ambiguous.
//! - Id: body `id` (`evt_...`). Event type: body `type`. Timestamp: `t=`, enforced (±300 s).
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Stripe.scheme().signature_header(), "stripe-signature");
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, SignedContent, TimestampSource};

/// The `stripe` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("stripe")
        .signature_header("stripe-signature")
        .syntax(SignatureSyntax::params("t", "v1"))
        .encoding(Encoding::Hex)
        .signed_content(SignedContent::parse("{timestamp}.{body}").expect("valid template"))
        .timestamp(TimestampSource::SignatureParam)
        .id(IdSource::BodyField(path("id")))
        .event_type(EventTypeSource::BodyFields(vec![path("type")]))
        .build()
        .expect("preset is valid")
}
