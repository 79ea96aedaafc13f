//! Twilio SendGrid (signed Event Webhook).
//!
//! - Signed content: `{X-Twilio-Email-Event-Webhook-Timestamp}{raw body}`; ECDSA P-256 with
//!   SHA-256, the DER signature base64 in `X-Twilio-Email-Event-Webhook-Signature`, checked with
//!   the verification key SendGrid shows (base64 DER public key).
//! - Timestamp: `X-Twilio-Email-Event-Webhook-Timestamp`, Unix seconds, enforced. Id: none per
//!   request (a batch of events, each with its own `sg_event_id`), so the digest. Event type: none
//!   (a batch).
//! - Follows: Twilio SendGrid: Getting Started with the Event Webhook Security Features (The
//!   Signed Event Webhook),
//!   <https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Sendgrid.name(), "sendgrid");
//! ```

use crate::Encoding;
use crate::scheme::{Algorithm, Scheme, SignedContent, TimestampSource};
use crate::secret::SecretFormat;

/// The `sendgrid` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("sendgrid")
        .algorithm(Algorithm::EcdsaP256)
        .signature_header("x-twilio-email-event-webhook-signature")
        .encoding(Encoding::Base64)
        .secret_format(SecretFormat::Base64)
        .signed_content(SignedContent::parse("{timestamp}{body}").expect("valid template"))
        .timestamp(TimestampSource::Header("x-twilio-email-event-webhook-timestamp".into()))
        .build()
        .expect("preset is valid")
}
