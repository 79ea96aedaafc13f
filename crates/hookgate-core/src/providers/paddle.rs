//! Paddle Billing.
//!
//! - Signed content: `{ts}:{raw body}`; HMAC-SHA256 with the notification secret
//!   (`pdl_ntfset_...`, raw bytes), hex, in `Paddle-Signature: ts=<unix>;h1=<hex>` (`;`-separated;
//!   every `h1` is checked).
//! - Timestamp: `ts=`, Unix seconds, enforced (Paddle's SDKs allow only 5 s; the endpoint's window
//!   applies). Id: body `event_id`. Event type: body `event_type`.
//! - Follows: Paddle: Verify webhook signatures,
//!   <https://developer.paddle.com/webhooks/about/signature-verification>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Paddle.name(), "paddle");
//! ```

use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, SignedContent, TimestampSource};

/// The `paddle` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("paddle")
        .signature_header("paddle-signature")
        .syntax(SignatureSyntax::Params {
            timestamp_key: Some("ts".into()),
            signature_key: "h1".into(),
            separator: ';',
        })
        .signed_content(SignedContent::parse("{timestamp}:{body}").expect("valid template"))
        .timestamp(TimestampSource::SignatureParam)
        .id(IdSource::BodyField(path("event_id")))
        .event_type(EventTypeSource::BodyFields(vec![path("event_type")]))
        .build()
        .expect("preset is valid")
}
