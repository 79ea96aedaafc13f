//! Twitch EventSub (webhook transport).
//!
//! - Signed content: `{Twitch-Eventsub-Message-Id}{Twitch-Eventsub-Message-Timestamp}{raw body}`;
//!   HMAC-SHA256 with the subscription secret as raw bytes, in `Twitch-Eventsub-Message-Signature:
//!   sha256=<hex>`.
//! - Timestamp: `Twitch-Eventsub-Message-Timestamp`, RFC 3339 with up to nine fractional digits,
//!   enforced (Twitch says 10 minutes; set `tolerance_secs = 600` to match). Id:
//!   `Twitch-Eventsub-Message-Id` (the same on resends). Event type:
//!   `Twitch-Eventsub-Subscription-Type`.
//! - Handshake: a verified `webhook_callback_verification` (header `Twitch-Eventsub-Message-Type`)
//!   is answered `200 text/plain` with the body's `challenge`. `revocation` messages are ordinary
//!   deliveries.
//! - Follows: Twitch Developers: EventSub, Handling Webhook Events (List of request headers;
//!   Verifying the event message; Responding to a challenge request; Revoking your subscription),
//!   <https://dev.twitch.tv/docs/eventsub/handling-webhook-events/>.
//!
//! ```
//! use hookgate_core::Preset;
//! assert_eq!(Preset::Twitch.name(), "twitch");
//! ```

use crate::handshake::Handshake;
use crate::scheme::{
    EventTypeSource, IdSource, Scheme, SignatureSyntax, SignedContent, TimestampFormat, TimestampSource,
};

/// The `twitch` scheme.
pub fn scheme() -> Scheme {
    Scheme::builder("twitch")
        .signature_header("twitch-eventsub-message-signature")
        .syntax(SignatureSyntax::Single { prefix: "sha256=".into(), prefix_required: true })
        .signed_content(SignedContent::parse("{id}{timestamp}{body}").expect("valid template"))
        .timestamp(TimestampSource::Header("twitch-eventsub-message-timestamp".into()))
        .timestamp_format(TimestampFormat::Rfc3339)
        .id(IdSource::Header("twitch-eventsub-message-id".into()))
        .event_type(EventTypeSource::Header("twitch-eventsub-subscription-type".into()))
        .handshake(Handshake::TwitchCallbackVerification)
        .build()
        .expect("preset is valid")
}
