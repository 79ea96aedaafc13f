//! GitLab.
//!
//! - No signature: `X-Gitlab-Token` carries the secret token you configured, compared in constant
//!   time (as SHA-256 digests, so its length is not revealed). The body is covered by nothing: use
//!   HTTPS.
//! - Id: `Idempotency-Key` (GitLab 17.4+, the same on retries) when sent, else the digest of the
//!   body (`X-Gitlab-Webhook-UUID` changes on every attempt). Event type: `X-Gitlab-Event` (e.g.
//!   `Push Hook`). Timestamp: none.
//! - Follows: GitLab Docs: Webhooks (Create a webhook: Secret token; Delivery headers; Inspect
//!   request and response details: Resend Request),
//!   <https://docs.gitlab.com/user/project/integrations/webhooks/>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Gitlab.name(), "gitlab");
//! ```

use crate::scheme::{Algorithm, EventTypeSource, IdSource, Scheme};

/// The `gitlab` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("gitlab")
        .algorithm(Algorithm::Token)
        .signature_header("x-gitlab-token")
        .id(IdSource::OptionalHeader("idempotency-key".into()))
        .event_type(EventTypeSource::Header("x-gitlab-event".into()))
        .build()
        .expect("preset is valid")
}
