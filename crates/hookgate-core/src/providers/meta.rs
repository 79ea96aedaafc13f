//! Meta (Facebook, Instagram, Messenger and WhatsApp Graph API webhooks).
//!
//! - Signed content: the raw body (Meta escapes non-ASCII as `\\uXXXX`: never re-serialise);
//!   HMAC-SHA256 with the App Secret as raw bytes, in `X-Hub-Signature-256: sha256=<hex>` (the
//!   legacy SHA-1 header is ignored).
//! - Id: none (batched `entry[]`), so the digest. Event type: body `object` (`page`,
//!   `whatsapp_business_account`, ...). Timestamp: none.
//! - Handshake: `GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C` is answered `200 C`
//!   when `T` is the endpoint's `verify_token` (compared in constant time), else 401.
//! - Follows: Meta: Graph API Webhooks, Getting Started (Verification Requests; Event
//!   Notifications, Validate Payloads),
//!   <https://developers.facebook.com/docs/graph-api/webhooks/getting-started>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Meta.name(), "meta");
//! ```

use crate::handshake::Handshake;
use crate::providers::path;
use crate::scheme::{EventTypeSource, Scheme, SignatureSyntax};

/// The `meta` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("meta")
        .signature_header("x-hub-signature-256")
        .syntax(SignatureSyntax::Single { prefix: "sha256=".into(), prefix_required: true })
        .event_type(EventTypeSource::BodyFields(vec![path("object")]))
        .handshake(Handshake::MetaSubscribe)
        .build()
        .expect("preset is valid")
}
