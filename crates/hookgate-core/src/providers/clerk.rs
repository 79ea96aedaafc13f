//! Clerk: Standard Webhooks under Svix's `svix-` header names, as Clerk sends them.
//!
//! - Signed content: `{svix-id}.{svix-timestamp}.{raw body}`; HMAC-SHA256 with the `whsec_` secret
//!   base64-decoded, in `svix-signature: v1,<base64>` (space-separated entries, every `v1`
//!   checked).
//! - Id: `svix-id`. Event type: body `type`. Timestamp: `svix-timestamp`, Unix seconds, enforced.
//! - Follows: Clerk: verifyWebhook(), <https://clerk.com/docs/references/backend/verify-webhook>
//!   (Webhooks overview: <https://clerk.com/docs/guides/development/webhooks/overview>).
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Clerk.scheme().signature_header(), "svix-signature");
//! ```

use crate::scheme::Scheme;

/// The `clerk` scheme.
pub fn scheme() -> Scheme {
    super::standard_webhooks::with_prefix("clerk", "svix")
}
