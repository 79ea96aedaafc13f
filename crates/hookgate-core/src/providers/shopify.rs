//! Shopify.
//!
//! - Signed content: the raw body. `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256>`, keyed with the
//!   app's client secret as raw bytes.
//! - Id: `X-Shopify-Webhook-Id` (required). Event type: `X-Shopify-Topic` (e.g. `orders/create`).
//!   Timestamp: none enforced.
//!
//! ```
//! use hookgate_core::{Encoding, Preset};
//! assert_eq!(Preset::Shopify.scheme().encoding(), Encoding::Base64);
//! ```

use crate::Encoding;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax};

/// The `shopify` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("shopify")
        .signature_header("x-shopify-hmac-sha256")
        .syntax(SignatureSyntax::Single { prefix: "".into(), prefix_required: true })
        .encoding(Encoding::Base64)
        .id(IdSource::Header("x-shopify-webhook-id".into()))
        .event_type(EventTypeSource::Header("x-shopify-topic".into()))
        .build()
        .expect("preset is valid")
}
