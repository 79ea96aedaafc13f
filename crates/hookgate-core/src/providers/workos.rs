//! WorkOS.
//!
//! - Signed content: `{t}.{raw body}` with `t` in milliseconds exactly as sent; HMAC-SHA256 with
//!   the webhook secret as raw bytes, in `WorkOS-Signature: t=<ms>, v1=<hex>`.
//! - Timestamp: `t=`, Unix milliseconds, enforced (WorkOS: 180 s). Id: body `id`. Event type: body
//!   `event`.
//! - Follows: WorkOS: Webhooks (Validate the requests manually),
//!   <https://workos.com/docs/events/data-syncing/webhooks>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Workos.name(), "workos");
//! ```

use crate::providers::path;
use crate::scheme::{
    EventTypeSource, IdSource, Scheme, SignatureSyntax, SignedContent, TimestampFormat, TimestampSource,
};

/// The `workos` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("workos")
        .signature_header("workos-signature")
        .syntax(SignatureSyntax::params("t", "v1"))
        .signed_content(SignedContent::parse("{timestamp}.{body}").expect("valid template"))
        .timestamp(TimestampSource::SignatureParam)
        .timestamp_format(TimestampFormat::UnixMillis)
        .id(IdSource::BodyField(path("id")))
        .event_type(EventTypeSource::BodyFields(vec![path("event")]))
        .build()
        .expect("preset is valid")
}
