//! Sentry (integration platform webhooks).
//!
//! - Signed content: the raw body; HMAC-SHA256 with the integration's client secret as raw bytes,
//!   hex, in `Sentry-Hook-Signature` (no prefix).
//! - Id: the digest (`Request-ID` is new on every attempt). Event type: `Sentry-Hook-Resource`
//!   (e.g. `issue`; the action is body `action`). Timestamp: `Sentry-Hook-Timestamp`, unsigned,
//!   reported, not enforced.
//! - Follows: Sentry: Integration Platform Webhooks (Sentry-Hook-Signature),
//!   <https://docs.sentry.io/organization/integrations/integration-platform/webhooks/>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Sentry.name(), "sentry");
//! ```

use crate::scheme::{EventTypeSource, Scheme, TimestampSource};

/// The `sentry` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("sentry")
        .signature_header("sentry-hook-signature")
        .event_type(EventTypeSource::Header("sentry-hook-resource".into()))
        .timestamp(TimestampSource::Header("sentry-hook-timestamp".into()))
        .enforce_timestamp(false)
        .build()
        .expect("preset is valid")
}
