//! Prime Bot (Telegram campaigns), from its "Webhooks" document (`shared/seeds/000_*`).
//!
//! - Signed content: the raw, unparsed body. `X-PrimeBot-Signature: sha256=<hex HMAC-SHA256>`,
//!   keyed with the signing secret as raw bytes.
//! - Timestamp: `X-PrimeBot-Timestamp`, Unix seconds. It is **not signed**, but the document says
//!   to reject anything older than ~5 minutes, so it is required and enforced both ways (±300 s
//!   by default). An attacker cannot use this to replay: a stale capture with a fresh timestamp
//!   is still caught by the delivery id in the idempotency store.
//! - Id: `X-PrimeBot-Delivery`, which the document says to use for idempotency (required).
//! - Event type: `X-PrimeBot-Event` (also body `type`).
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Primebot.scheme().signature_header(), "x-primebot-signature");
//! ```

use crate::Encoding;
use crate::scheme::{EventTypeSource, IdSource, Scheme, SignatureSyntax, TimestampSource};

/// The `primebot` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("primebot")
        .signature_header("x-primebot-signature")
        .syntax(SignatureSyntax::Single { prefix: "sha256=".into(), prefix_required: true })
        .encoding(Encoding::Hex)
        .timestamp(TimestampSource::Header("x-primebot-timestamp".into()))
        .id(IdSource::Header("x-primebot-delivery".into()))
        .event_type(EventTypeSource::Header("x-primebot-event".into()))
        .build()
        .expect("preset is valid")
}
