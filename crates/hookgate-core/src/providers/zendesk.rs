//! Zendesk (webhooks).
//!
//! - Signed content: `{X-Zendesk-Webhook-Signature-Timestamp}{raw body}`; HMAC-SHA256 with the
//!   signing secret as raw bytes (not base64-decoded), base64, in `X-Zendesk-Webhook-Signature`.
//! - Timestamp: `X-Zendesk-Webhook-Signature-Timestamp`, RFC 3339, enforced. Id:
//!   `X-Zendesk-Webhook-Invocation-Id`. Event type: body `type` (absent for trigger and automation
//!   webhooks, whose body you define).
//! - Follows: Zendesk: Verifying webhook authenticity,
//!   <https://developer.zendesk.com/documentation/webhooks/verifying/> (headers: Anatomy of a
//!   webhook request,
//!   <https://developer.zendesk.com/documentation/webhooks/anatomy-of-a-webhook-request/>).
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Zendesk.name(), "zendesk");
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignedContent, TimestampFormat, TimestampSource};

/// The `zendesk` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("zendesk")
        .signature_header("x-zendesk-webhook-signature")
        .encoding(Encoding::Base64)
        .signed_content(SignedContent::parse("{timestamp}{body}").expect("valid template"))
        .timestamp(TimestampSource::Header("x-zendesk-webhook-signature-timestamp".into()))
        .timestamp_format(TimestampFormat::Rfc3339)
        .id(IdSource::Header("x-zendesk-webhook-invocation-id".into()))
        .event_type(EventTypeSource::BodyFields(vec![path("type")]))
        .build()
        .expect("preset is valid")
}
