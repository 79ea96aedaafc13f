//! HubSpot (signature v3).
//!
//! - Signed content: `{method}{full URL}{raw body}{X-HubSpot-Request-Timestamp}`; HMAC-SHA256 with
//!   the app's client secret as raw bytes, base64, in `X-HubSpot-Signature-v3`. Set the endpoint's
//!   `public_url`. HubSpot decodes a few `%XX` escapes (`%3A`, `%2F`, ...) in the URL before
//!   signing: give `public_url` without escapes. The unkeyed v1/v2 headers are ignored.
//! - Timestamp: `X-HubSpot-Request-Timestamp`, Unix milliseconds, enforced (HubSpot: 5 minutes).
//!   Id: none (a batch whose `attemptNumber` changes on retries), so the digest. Event type: none
//!   (a batch may mix types).
//! - Follows: HubSpot: Validating requests (Validate the v3 request signature),
//!   <https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Hubspot.name(), "hubspot");
//! ```

use crate::Encoding;
use crate::scheme::{Scheme, SignedContent, TimestampFormat, TimestampSource};

/// The `hubspot` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("hubspot")
        .signature_header("x-hubspot-signature-v3")
        .encoding(Encoding::Base64)
        .signed_content(SignedContent::parse("{method}{url}{body}{timestamp}").expect("valid template"))
        .timestamp(TimestampSource::Header("x-hubspot-request-timestamp".into()))
        .timestamp_format(TimestampFormat::UnixMillis)
        .build()
        .expect("preset is valid")
}
