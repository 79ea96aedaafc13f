//! Resend: Standard Webhooks under Svix's `svix-` header names, as Resend sends them.
//!
//! - Signed content: `{svix-id}.{svix-timestamp}.{raw body}`; HMAC-SHA256 with the `whsec_` secret
//!   base64-decoded, in `svix-signature: v1,<base64>` (space-separated entries, every `v1`
//!   checked).
//! - Id: `svix-id`. Event type: body `type`. Timestamp: `svix-timestamp`, Unix seconds, enforced.
//! - Follows: Resend: Verify Webhooks Requests,
//!   <https://resend.com/docs/webhooks/verify-webhooks-requests>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Resend.scheme().signature_header(), "svix-signature");
//! ```

use crate::scheme::Scheme;

/// The `resend` scheme.
pub fn scheme() -> Scheme {
    super::standard_webhooks::with_prefix("resend", "svix")
}
