//! Svix: Standard Webhooks under `svix-` header names.
//!
//! - Signed content: `{svix-id}.{svix-timestamp}.{raw body}`.
//! - `svix-signature`: space-separated `v1,<base64>` (HMAC-SHA256) and `v1a,<base64>` (Ed25519)
//!   entries; unknown versions are ignored.
//! - Secrets: `whsec_<base64>` (decoded; prefix and padding optional), `whpk_` public keys.
//! - Id: `svix-id` (required). Event type: body `type`. Timestamp: `svix-timestamp`, signed,
//!   enforced.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Svix.scheme().signature_header(), "svix-signature");
//! ```

use crate::scheme::Scheme;

/// The `svix` scheme.
pub fn scheme() -> Scheme {
    super::standard_webhooks::with_prefix("svix", "svix")
}
