//! OpenAI: Standard Webhooks, as OpenAI sends them.
//!
//! - Signed content: `{webhook-id}.{webhook-timestamp}.{raw body}`; HMAC-SHA256 with the `whsec_`
//!   secret base64-decoded, in `webhook-signature: v1,<base64>` (space-separated entries, every
//!   `v1` checked).
//! - Id: `webhook-id`. Event type: body `type`. Timestamp: `webhook-timestamp`, Unix seconds,
//!   enforced.
//! - Follows: OpenAI: Webhooks guide, <https://platform.openai.com/docs/guides/webhooks> (now
//!   <https://developers.openai.com/api/docs/guides/webhooks>).
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Openai.scheme().signature_header(), "webhook-signature");
//! ```

use crate::scheme::Scheme;

/// The `openai` scheme.
pub fn scheme() -> Scheme {
    super::standard_webhooks::with_prefix("openai", "webhook")
}
