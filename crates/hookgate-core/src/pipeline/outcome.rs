//! [`Outcome`]: the core's answer to one request, which adapters turn into one response.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::error::VerifyError;
use crate::handshake::HandshakeReply;

/// The contract's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// 200 with `Hookgate-Handshake: true`: a provider's handshake (Slack's `url_verification`, Meta's `hub.challenge`, ...),
    /// answered by the core; nothing is claimed or handed off.
    Handshake(HandshakeReply),
    /// 202: verified, new, and handed off (quick-ack mode).
    Accepted {
        /// The delivery id.
        delivery_id: Arc<str>,
    },
    /// 200 with `Hookgate-Duplicate: true`: already processed; not handed off again.
    Duplicate {
        /// The delivery id.
        delivery_id: Arc<str>,
    },
    /// 409 with `Retry-After`: the same delivery is being processed right now.
    InFlight {
        /// Suggested wait.
        retry_after: Duration,
    },
    /// 401 or 400: see [`VerifyError::status`].
    Rejected(VerifyError),
    /// 413: the body is larger than the limit.
    PayloadTooLarge,
    /// 405 with `Allow: POST`.
    MethodNotAllowed,
    /// 503 with `Retry-After`: the hand-off is full or closed, or the store is unreachable.
    Unavailable {
        /// Suggested wait.
        retry_after: Duration,
    },
}

impl Outcome {
    /// The HTTP status.
    ///
    /// ```
    /// use hookgate_core::Outcome;
    /// assert_eq!(Outcome::MethodNotAllowed.status(), 405);
    /// assert_eq!(Outcome::MethodNotAllowed.header(), Some(("allow", "POST".to_string())));
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            Outcome::Handshake(reply) => reply.status(),
            Outcome::Accepted { .. } => 202,
            Outcome::Duplicate { .. } => 200,
            Outcome::InFlight { .. } => 409,
            Outcome::Rejected(e) => e.status(),
            Outcome::PayloadTooLarge => 413,
            Outcome::MethodNotAllowed => 405,
            Outcome::Unavailable { .. } => 503,
        }
    }

    /// The one extra response header this outcome carries, if any (lowercase name).
    pub fn header(&self) -> Option<(&'static str, String)> {
        match self {
            Outcome::Duplicate { .. } => Some(("hookgate-duplicate", "true".into())),
            Outcome::InFlight { retry_after } | Outcome::Unavailable { retry_after } => {
                Some(("retry-after", retry_after.as_secs().max(1).to_string()))
            }
            Outcome::MethodNotAllowed => Some(("allow", "POST".into())),
            Outcome::Handshake(_) => Some(("hookgate-handshake", "true".into())),
            _ => None,
        }
    }

    /// Whether the sender's request succeeded (202 accepted, 200 duplicate, 200 handshake):
    /// adapters answer these as they are and pass every other outcome to their custom rejection
    /// hook.
    ///
    /// ```
    /// use hookgate_core::Outcome;
    /// assert!(!Outcome::PayloadTooLarge.is_success());
    /// ```
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Accepted { .. } | Outcome::Duplicate { .. } | Outcome::Handshake(_))
    }

    /// The response's `Content-Type`: a handshake's own, else `text/plain; charset=utf-8`.
    pub fn content_type(&self) -> &'static str {
        match self {
            Outcome::Handshake(reply) => reply.content_type(),
            _ => "text/plain; charset=utf-8",
        }
    }

    /// The response body: a handshake's answer, else [`Self::body_text`].
    ///
    /// ```
    /// use hookgate_core::Outcome;
    /// assert_eq!(Outcome::PayloadTooLarge.body(), "payload too large");
    /// ```
    pub fn body(&self) -> Bytes {
        match self {
            Outcome::Handshake(reply) => reply.body().clone(),
            other => Bytes::from_static(other.body_text().as_bytes()),
        }
    }

    /// The short, generic `text/plain` body. Never a secret, a signature or the failed check.
    pub fn body_text(&self) -> &'static str {
        match self {
            Outcome::Handshake(_) => "handshake",
            Outcome::Accepted { .. } => "accepted",
            Outcome::Duplicate { .. } => "duplicate delivery",
            Outcome::InFlight { .. } => "delivery in progress, retry later",
            Outcome::Rejected(e) => e.body_text(),
            Outcome::PayloadTooLarge => "payload too large",
            Outcome::MethodNotAllowed => "method not allowed",
            Outcome::Unavailable { .. } => "temporarily unavailable, retry later",
        }
    }
}
