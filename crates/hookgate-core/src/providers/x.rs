//! X (Twitter) Account Activity and V2 webhooks.
//!
//! - Signed content: the raw body; HMAC-SHA256 with the app's consumer secret as raw bytes, in
//!   `x-twitter-webhooks-signature: sha256=<base64>`.
//! - Id: none at the HTTP level, so the digest. Event type, timestamp: none (the type is the name
//!   of the body's `*_events` key).
//! - Handshake: the CRC `GET ?crc_token=T` is answered `200 {"response_token": "sha256=" +
//!   base64(HMAC-SHA256(secret, T))}`. Only tokens of base64 characters are answered: X's CRC
//!   answer and a delivery's signature are the same HMAC, so answering any text would sign any
//!   body.
//! - Follows: X: V2 Webhooks API Quickstart (The CRC check; Securing webhooks),
//!   <https://docs.x.com/x-api/webhooks/quickstart>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::X.name(), "x");
//! ```

use crate::Encoding;
use crate::handshake::Handshake;
use crate::scheme::{Scheme, SignatureSyntax};

/// The `x` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("x")
        .signature_header("x-twitter-webhooks-signature")
        .syntax(SignatureSyntax::Single { prefix: "sha256=".into(), prefix_required: true })
        .encoding(Encoding::Base64)
        .handshake(Handshake::XCrc)
        .build()
        .expect("preset is valid")
}
