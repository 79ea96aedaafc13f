//! WooCommerce.
//!
//! - Signed content: the raw body; HMAC-SHA256 with the webhook secret as raw bytes, base64, in
//!   `X-WC-Webhook-Signature` (no prefix).
//! - Id: the digest. `X-WC-Webhook-Delivery-ID` is a hash of the webhook id and the second it was
//!   sent, so two events of one second share it, and WooCommerce never retries: deduping on it
//!   could drop real events. Event type: `X-WC-Webhook-Topic`. Timestamp: none.
//! - Handshake: the unsigned ping WooCommerce sends when a webhook is created (form body
//!   `webhook_id=<n>`, no signature) is answered `200`.
//! - Follows: WooCommerce REST API docs: Webhooks (delivery headers, signature),
//!   <https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks> ; source of truth
//!   WC_Webhook::deliver()/generate_signature()/deliver_ping(),
//!   <https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/class-wc-webhook.php>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Woocommerce.name(), "woocommerce");
//! ```

use crate::Encoding;
use crate::handshake::Handshake;
use crate::scheme::{EventTypeSource, Scheme};

/// The `woocommerce` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("woocommerce")
        .signature_header("x-wc-webhook-signature")
        .encoding(Encoding::Base64)
        .event_type(EventTypeSource::Header("x-wc-webhook-topic".into()))
        .handshake(Handshake::WooCommercePing)
        .build()
        .expect("preset is valid")
}
