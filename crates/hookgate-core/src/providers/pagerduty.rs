//! PagerDuty (V3 webhooks).
//!
//! - Signed content: the raw body; HMAC-SHA256 with the subscription secret as raw bytes, in
//!   `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]` (every `v1` is checked: several during a
//!   rotation).
//! - Id: `X-Webhook-Id` (repeated on every attempt). Event type: body `event.event_type`.
//!   Timestamp: none.
//! - Follows: PagerDuty: Verifying Signatures (v3 webhooks, published on developer.pagerduty.com),
//!   <https://github.com/PagerDuty/developer-docs/blob/main/docs/webhooks/04-Signatures.md> ;
//!   Behavior (X-Webhook-Id dedupe),
//!   <https://github.com/PagerDuty/developer-docs/blob/main/docs/webhooks/02-Behavior.md>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Pagerduty.name(), "pagerduty");
//! ```

use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax};

/// The `pagerduty` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("pagerduty")
        .signature_header("x-pagerduty-signature")
        .syntax(SignatureSyntax::Params { timestamp_key: None, signature_key: "v1".into(), separator: ',' })
        .id(IdSource::Header("x-webhook-id".into()))
        .event_type(EventTypeSource::BodyFields(vec![path("event.event_type")]))
        .build()
        .expect("preset is valid")
}
