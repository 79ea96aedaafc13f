//! Dropbox.
//!
//! - Signed content: the raw body; HMAC-SHA256 with the app secret as raw bytes, hex, in
//!   `X-Dropbox-Signature` (no prefix).
//! - Id: none, so the digest. Event type, timestamp: none (the body lists the accounts that
//!   changed).
//! - Handshake: `GET ?challenge=C` is answered `200 text/plain C` with `X-Content-Type-Options:
//!   nosniff`.
//! - Follows: Dropbox: Webhooks (Using Webhooks),
//!   <https://www.dropbox.com/developers/reference/webhooks>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Dropbox.name(), "dropbox");
//! ```

use crate::handshake::Handshake;
use crate::scheme::Scheme;

/// The `dropbox` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("dropbox")
        .signature_header("x-dropbox-signature")
        .handshake(Handshake::DropboxChallenge)
        .build()
        .expect("preset is valid")
}
