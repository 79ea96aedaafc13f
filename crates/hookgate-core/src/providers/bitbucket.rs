//! Bitbucket Cloud.
//!
//! - Signed content: the raw body; HMAC-SHA256 with the webhook secret as raw bytes, in
//!   `X-Hub-Signature: sha256=<hex>`.
//! - Id: `X-Request-UUID` (`X-Hook-UUID` names the webhook, not the delivery). Event type:
//!   `X-Event-Key` (e.g. `repo:push`). Timestamp: none.
//! - Follows: Bitbucket Cloud: Manage webhooks (secure webhooks),
//!   <https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/> ; Event payloads (HTTP
//!   headers), <https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Bitbucket.name(), "bitbucket");
//! ```

use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax};

/// The `bitbucket` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("bitbucket")
        .signature_header("x-hub-signature")
        .syntax(SignatureSyntax::Single { prefix: "sha256=".into(), prefix_required: true })
        .id(IdSource::Header("x-request-uuid".into()))
        .event_type(EventTypeSource::Header("x-event-key".into()))
        .build()
        .expect("preset is valid")
}
