//! Standard Webhooks (<https://www.standardwebhooks.com>).
//!
//! - Signed content: `{webhook-id}.{webhook-timestamp}.{raw body}`.
//! - `webhook-signature`: space-separated `version,base64` entries. `v1` is HMAC-SHA256 keyed with
//!   the base64-decoded `whsec_` secret; `v1a` is an Ed25519 signature checked with a `whpk_` public
//!   key. Every entry is checked (one valid among invalid ones verifies); other versions are ignored.
//! - Secrets: `whsec_<base64>` (prefix and padding optional), `whpk_`/`whsk_` for Ed25519.
//! - Id: `webhook-id` (required, it is signed). Event type: body `type`.
//! - Timestamp: `webhook-timestamp`, Unix seconds, signed and enforced (default ±300 s).
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use hookgate_core::{Preset, Verifier};
//!
//! // Source: standard-webhooks repo, libraries/rust/src/lib.rs tests.
//! let v = Verifier::for_preset(Preset::StandardWebhooks, &["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"]).unwrap();
//! let headers = [
//!     ("webhook-id", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
//!     ("webhook-timestamp", "1649367553"),
//!     ("webhook-signature", "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="),
//! ];
//! let body = br#"{"email":"test@example.com","username":"test_user"}"#;
//! let ok = v.verify(&headers, body, UNIX_EPOCH + Duration::from_secs(1649367553)).unwrap();
//! assert_eq!(ok.delivery_id(), "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk");
//! ```

use crate::Encoding;
use crate::providers::path;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, SignedContent, TimestampSource};
use crate::secret::SecretFormat;

/// The Standard Webhooks scheme, with the given header prefix (`webhook` or `svix`).
pub(crate) fn with_prefix(name: &'static str, prefix: &str) -> Scheme {
    Scheme::builder(name)
        .signature_header(format!("{prefix}-signature"))
        .syntax(SignatureSyntax::VersionedList)
        .encoding(Encoding::Base64)
        .signed_content(SignedContent::parse("{id}.{timestamp}.{body}").expect("valid template"))
        .secret_format(SecretFormat::StandardWebhooks)
        .timestamp(TimestampSource::Header(format!("{prefix}-timestamp").into()))
        .id(IdSource::Header(format!("{prefix}-id").into()))
        .event_type(EventTypeSource::BodyFields(vec![path("type")]))
        .build()
        .expect("preset is valid")
}

/// The `standard-webhooks` scheme.
pub fn scheme() -> Scheme {
    with_prefix("standard-webhooks", "webhook")
}
