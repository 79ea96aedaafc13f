//! # hookgate-core
//!
//! The framework-agnostic heart of hookgate, for anyone who **receives webhooks**: given a
//! request's headers, its raw body bytes and "now", it decides whether the webhook is genuine
//! (HMAC-SHA1/256/512, Ed25519, ECDSA P-256 or shared-token schemes over the exact bytes,
//! compared in constant time, within a replay window, with secret rotation), extracts the delivery
//! id, event type and timestamp, and answers the providers' handshakes. It then
//! makes sure each delivery is processed once ([`IdempotencyStore`]) and that a 2xx is only sent
//! once the event is safe: handed to a [`Sink`] ([`Endpoint::quick_ack`]) or handled
//! ([`Endpoint::handle`]).
//!
//! Adapters (`hookgate-tower` for axum/hyper, `hookgate-actix`) only translate a request into one
//! of these calls and the [`Outcome`] back into a response. The statuses and headers of every
//! outcome are listed in the repository's `docs/behaviour.md`.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use hookgate_core::{Preset, Verifier};
//!
//! // Published example from Slack's "Verifying requests from Slack".
//! let verifier = Verifier::for_preset(Preset::Slack, &["8f742231b10e8888abcd99yyyzzz85a5"]).unwrap();
//! let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
//! let headers = [
//!     ("X-Slack-Request-Timestamp", "1531420618"),
//!     ("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
//! ];
//! let now = UNIX_EPOCH + Duration::from_secs(1531420618 + 10);
//! let verified = verifier.verify(&headers, body, now).unwrap();
//! assert!(verified.delivery_id().starts_with("sha256:")); // slash commands carry no id
//!
//! // A day later the same request is a replay.
//! let later = now + Duration::from_secs(86_400);
//! assert_eq!(verifier.verify(&headers, body, later).unwrap_err().status(), 401);
//! ```
//!
//! ## Features
//! - `test-util`: signing for every preset (`Scheme::sign`, `TestRequest`) and the
//!   [`IdempotencyStore`] acceptance suite (`acceptance::run`).

#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod body;
mod error;
mod event;
mod handshake;
mod headers;
mod idempotency;
mod pipeline;
mod replay;
mod scheme;
mod secret;
#[cfg(feature = "test-util")]
mod sign;
mod sink;
mod verify;

pub mod providers;

pub use error::{ConfigError, ConfigErrorKind, VerifyError, VerifyErrorKind};
pub use event::{Event, Metadata};
pub use handshake::{Handshake, HandshakeReply, MAX_CHALLENGE_LEN};
pub use headers::{Headers, MAX_HEADER_VALUE_LEN};
#[cfg(feature = "test-util")]
pub use idempotency::acceptance;
pub use idempotency::{
    BoxedStore, Claim, ClaimToken, DynIdempotencyStore, IdempotencyKey, IdempotencyStore, MemoryStore,
    MemoryStoreBuilder, StoreError, StoreErrorKind,
};
pub use pipeline::{
    DEFAULT_MAX_BODY_BYTES, Endpoint, EndpointBuilder, FullBody, Head, Outcome, RequestHead, check_signed_url,
    full_body,
};
pub use providers::Preset;
pub use replay::{Clock, FixedClock, ManualClock, ReplayWindow, SystemClock};
pub use scheme::{
    Algorithm, ContentPart, Encoding, EventTypeSource, IdSource, Scheme, SchemeBuilder, SignatureSyntax, SignedContent,
    TimestampFormat, TimestampSource,
};
pub use secret::{Secret, SecretFormat, Secrets};
#[cfg(feature = "test-util")]
pub use sign::{SignOptions, TestRequest, example_secret, example_wrong_secret};
pub use sink::{EventReceiver, EventSender, Sink, SinkError, SinkErrorKind, channel};
pub use verify::{FieldPath, MAX_BODY_FIELDS, MAX_ID_LEN, MAX_SIGNATURES, RequestLine, Verified, Verifier};
