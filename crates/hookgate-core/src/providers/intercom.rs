//! Intercom.
//!
//! - Signed content: the raw body; HMAC-SHA1 with the app's client secret as raw bytes, in
//!   `X-Hub-Signature: sha1=<hex>`.
//! - Id: body `id` (`notif_...`). Event type: body `topic`. Timestamp: none.
//! - Handshake: the unsigned `HEAD` Intercom sends when the URL is saved is answered `200`.
//! - Follows: Intercom: Webhook models (Signed notifications),
//!   <https://developers.intercom.com/docs/references/webhooks/webhook-models> ; Set up Webhooks
//!   (HEAD validation), <https://developers.intercom.com/docs/webhooks/setting-up-webhooks>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Intercom.name(), "intercom");
//! ```

use crate::handshake::Handshake;
use crate::providers::path;
use crate::scheme::{Algorithm, EventTypeSource, IdSource, Scheme, SignatureSyntax};

/// The `intercom` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("intercom")
        .algorithm(Algorithm::HmacSha1)
        .signature_header("x-hub-signature")
        .syntax(SignatureSyntax::Single { prefix: "sha1=".into(), prefix_required: true })
        .id(IdSource::BodyField(path("id")))
        .event_type(EventTypeSource::BodyFields(vec![path("topic")]))
        .handshake(Handshake::IntercomHead)
        .build()
        .expect("preset is valid")
}
