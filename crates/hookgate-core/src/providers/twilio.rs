//! Twilio (Programmable Messaging and Voice, form-encoded webhooks).
//!
//! - Signed content: the full URL Twilio called (scheme, host, path, query) followed by every form
//!   parameter sorted by name, each as name then value, URL-decoded, empty ones included.
//!   HMAC-SHA1 with the Auth Token as raw bytes, base64, in `X-Twilio-Signature` (no prefix).
//! - The URL must be the one configured in Twilio: set the endpoint's `public_url` (or
//!   `trust_forwarded` behind a proxy that sets `X-Forwarded-Proto`/`-Host`). Twilio sometimes
//!   signs the URL with the default port (`:443`) added: configure `public_url` as the console
//!   shows it.
//! - Id: `I-Twilio-Idempotency-Token` when sent (the same on Twilio's retries), else the digest.
//!   Event type: none (each product names it in a different form field). Timestamp: none.
//! - JSON bodies (`bodySHA256=` in the URL) and the SharedKey/HMAC-SHA256 variant
//!   (`X-Twilio-Webhooks-Signature-Settings`) are not covered.
//! - Follows: Twilio: Secure webhooks (Authenticate with signatures),
//!   <https://www.twilio.com/docs/usage/webhooks/webhooks-security>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Twilio.name(), "twilio");
//! ```

use crate::Encoding;
use crate::scheme::{Algorithm, IdSource, Scheme, SignedContent};

/// The `twilio` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("twilio")
        .algorithm(Algorithm::HmacSha1)
        .signature_header("x-twilio-signature")
        .encoding(Encoding::Base64)
        .signed_content(SignedContent::parse("{url}{form}").expect("valid template"))
        .id(IdSource::OptionalHeader("i-twilio-idempotency-token".into()))
        .build()
        .expect("preset is valid")
}
