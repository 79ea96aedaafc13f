//! Discord (interactions endpoint).
//!
//! - Signed content: `{X-Signature-Timestamp}{raw body}`; Ed25519, the signature hex in
//!   `X-Signature-Ed25519`, checked with the application's public key (64 hex digits, as the
//!   developer portal shows it).
//! - Timestamp: `X-Signature-Timestamp`, Unix seconds, enforced. Id: body `id`. Event type: body
//!   `type` (the interaction type number, `1` for PING).
//! - Handshake: a verified PING (`type` 1) is answered `200 {"type":1}` by hookgate. Other
//!   interactions expect the app's answer in the response: use handler mode (or `hookgate serve
//!   --sink http`, which passes the app's answer back), not quick-ack.
//! - Follows: Discord: Interactions Overview, Setting Up an Endpoint (Acknowledging PING requests;
//!   Validating Security Request Headers),
//!   <https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Discord.name(), "discord");
//! ```

use crate::Encoding;
use crate::handshake::Handshake;
use crate::providers::path;
use crate::scheme::{Algorithm, EventTypeSource, IdSource, Scheme, SignedContent, TimestampSource};
use crate::secret::SecretFormat;

/// The `discord` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("discord")
        .algorithm(Algorithm::Ed25519)
        .signature_header("x-signature-ed25519")
        .encoding(Encoding::Hex)
        .secret_format(SecretFormat::Hex)
        .signed_content(SignedContent::parse("{timestamp}{body}").expect("valid template"))
        .timestamp(TimestampSource::Header("x-signature-timestamp".into()))
        .id(IdSource::BodyField(path("id")))
        .event_type(EventTypeSource::BodyFields(vec![path("type")]))
        .handshake(Handshake::DiscordPing)
        .build()
        .expect("preset is valid")
}
