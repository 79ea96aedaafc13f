//! GitHub.
//!
//! - Signed content: the raw body. `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`, secret as
//!   raw bytes. (The legacy SHA-1 `X-Hub-Signature` is ignored.)
//! - Id: `X-GitHub-Delivery` (required). Event type: `X-GitHub-Event`. Timestamp: none, so
//!   replays are stopped by the idempotency store alone.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Github.scheme().signature_header(), "x-hub-signature-256");
//! ```

use crate::Encoding;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax};

/// The `github` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("github")
        .signature_header("x-hub-signature-256")
        .syntax(SignatureSyntax::Single { prefix: "sha256=".into(), prefix_required: true })
        .encoding(Encoding::Hex)
        .id(IdSource::Header("x-github-delivery".into()))
        .event_type(EventTypeSource::Header("x-github-event".into()))
        .build()
        .expect("preset is valid")
}
