//! Provider handshakes: the requests a provider sends to check an endpoint before (or while)
//! delivering to it. The core answers them itself; they are never claimed or handed off as
//! events. A POST handshake is answered only once the request has verified like any delivery;
//! a GET handshake carries its own proof (Meta's verify token) or none (Dropbox), and X's CRC
//! answer is an HMAC only the secret's holder can make.

use std::time::SystemTime;

use base64::Engine as _;
use bytes::Bytes;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::error::{VerifyError, VerifyErrorKind};
use crate::headers::{self, Headers};
use crate::secret::BASE64_LENIENT;
use crate::verify::{Verified, Verifier};

/// Challenges longer than this are refused (400): providers send short random strings.
pub const MAX_CHALLENGE_LEN: usize = 512;

/// A provider's handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Handshake {
    /// Slack's `url_verification`: a signed POST whose `type` is `url_verification`; answered
    /// `200 text/plain` with its `challenge`.
    SlackUrlVerification,
    /// Zoom's `endpoint.url_validation`: a signed POST; answered `200 application/json`
    /// `{"plainToken": p, "encryptedToken": hex(HMAC-SHA256(secret, p))}`.
    ZoomUrlValidation,
    /// Twitch EventSub's `webhook_callback_verification` (header `Twitch-Eventsub-Message-Type`):
    /// a signed POST; answered `200 text/plain` with the body's `challenge`.
    TwitchCallbackVerification,
    /// Discord's PING interaction (`type` 1): a signed POST; answered `200 application/json`
    /// `{"type":1}`.
    DiscordPing,
    /// Meta's subscription check: `GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C`;
    /// answered `200 text/plain` `C` when `T` is the endpoint's configured verify token.
    MetaSubscribe,
    /// Dropbox's `GET ?challenge=C`: answered `200 text/plain` `C`.
    DropboxChallenge,
    /// WooCommerce's ping when a webhook is created: an unsigned POST whose form body is
    /// `webhook_id=<n>`; answered `200 text/plain` `ok` (nothing is handed off).
    WooCommercePing,
    /// Intercom's check when the URL is saved: an unsigned `HEAD`; answered `200` with no body.
    IntercomHead,
    /// X's challenge-response check: `GET ?crc_token=T`; answered `200 application/json`
    /// `{"response_token": "sha256=" + base64(HMAC-SHA256(secret, T))}`. That answer is the
    /// signature a delivery of body `T` would carry, so only tokens of base64/URL-safe
    /// characters are answered and only JSON-object deliveries accepted: no answer can sign one.
    XCrc,
}

/// The answer to a handshake: `200` with this content type and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeReply {
    content_type: &'static str,
    body: Bytes,
}

impl HandshakeReply {
    fn text(body: &str) -> Self {
        Self { content_type: "text/plain; charset=utf-8", body: Bytes::copy_from_slice(body.as_bytes()) }
    }

    fn json(value: serde_json::Value) -> Self {
        Self { content_type: "application/json", body: value.to_string().into() }
    }

    /// The HTTP status: always 200.
    pub fn status(&self) -> u16 {
        200
    }

    /// The `Content-Type` of the answer.
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    /// The answer's body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

impl Handshake {
    /// Answers a request that is not a `POST` (a `GET` with query `query`, or a `HEAD`): `None`
    /// when it is not this handshake (the request is then refused with 405), else the reply or
    /// the refusal.
    pub(crate) fn answer_other(
        self,
        method: &str,
        query: &str,
        verifier: &Verifier,
        verify_token: Option<&[u8; 32]>,
        now: SystemTime,
    ) -> Option<Result<HandshakeReply, VerifyError>> {
        match (self, method) {
            (Handshake::IntercomHead, "HEAD") => Some(Ok(HandshakeReply::text(""))),
            (_, "GET") => self.answer_get(query, verifier, verify_token, now),
            _ => None,
        }
    }

    /// Answers a `POST` that carries no signature at all when it is this (unsigned) handshake.
    pub(crate) fn answer_unsigned(self, body: &[u8]) -> Option<HandshakeReply> {
        let ping = |b: &[u8]| {
            b.strip_prefix(b"webhook_id=")
                .is_some_and(|n| !n.is_empty() && n.len() <= 20 && n.iter().all(u8::is_ascii_digit))
        };
        (self == Handshake::WooCommercePing && ping(body)).then(|| HandshakeReply::text("ok"))
    }

    /// Answers a `GET` with query `query` (after `?`): `None` when it is not this handshake (the
    /// request is then refused as any `GET` is), else the reply or the refusal.
    fn answer_get(
        self,
        query: &str,
        verifier: &Verifier,
        verify_token: Option<&[u8; 32]>,
        now: SystemTime,
    ) -> Option<Result<HandshakeReply, VerifyError>> {
        let param =
            |name: &str| form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        match self {
            Handshake::MetaSubscribe => {
                let (mode, token) = (param("hub.mode")?, param("hub.verify_token")?);
                let challenge = param("hub.challenge")?;
                Some(checked(&challenge).and_then(|c| {
                    let expected = verify_token.ok_or_else(|| {
                        mismatch("hub.verify_token").detail("no verify_token is configured for this endpoint")
                    })?;
                    let matches = bool::from(Sha256::digest(token.as_bytes()).ct_eq(expected));
                    if mode != "subscribe" || !matches {
                        return Err(mismatch("hub.verify_token").detail("hub.mode or hub.verify_token is wrong"));
                    }
                    Ok(HandshakeReply::text(c))
                }))
            }
            Handshake::DropboxChallenge => Some(checked(&param("challenge")?).map(HandshakeReply::text)),
            Handshake::XCrc => {
                let token = param("crc_token")?;
                Some(checked(&token).and_then(|t| {
                    if !t.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=_-".contains(&b)) {
                        return Err(malformed("crc_token is not base64 text"));
                    }
                    let tag = verifier
                        .sign_with_active_secret(t.as_bytes(), now)
                        .ok_or_else(|| mismatch("crc_token").detail("no active HMAC secret to answer the CRC with"))?;
                    let token = format!("sha256={}", BASE64_LENIENT.encode(tag));
                    Ok(HandshakeReply::json(serde_json::json!({ "response_token": token })))
                }))
            }
            _ => None,
        }
    }

    /// Answers a verified `POST` when it is this handshake: `None` for an ordinary delivery.
    pub(crate) fn answer_post<H: Headers + ?Sized>(
        self,
        verified: &Verified,
        headers: &H,
        body: &[u8],
        verifier: &Verifier,
    ) -> Option<Result<HandshakeReply, VerifyError>> {
        let event_type = verified.event_type();
        let field = |path: &str| -> Result<String, VerifyError> {
            let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| malformed("body is not JSON"))?;
            let text =
                value.pointer(path).and_then(|v| v.as_str()).ok_or_else(|| malformed("no challenge in the body"))?;
            checked(text).map(str::to_owned)
        };
        match self {
            Handshake::SlackUrlVerification if event_type == Some("url_verification") => {
                Some(field("/challenge").map(|c| HandshakeReply::text(&c)))
            }
            Handshake::TwitchCallbackVerification => {
                let kind = headers::single(headers, "twitch-eventsub-message-type").ok().flatten();
                (kind == Some("webhook_callback_verification"))
                    .then(|| field("/challenge").map(|c| HandshakeReply::text(&c)))
            }
            Handshake::ZoomUrlValidation if event_type == Some("endpoint.url_validation") => {
                Some(field("/payload/plainToken").and_then(|plain| {
                    let tag = verifier
                        .sign_with_secret(verified.secret_index(), plain.as_bytes())
                        .ok_or_else(|| mismatch("x-zm-signature").detail("the secret is not an HMAC key"))?;
                    let encrypted = hex::encode(tag);
                    Ok(HandshakeReply::json(serde_json::json!({ "plainToken": plain, "encryptedToken": encrypted })))
                }))
            }
            Handshake::DiscordPing if event_type == Some("1") => {
                Some(Ok(HandshakeReply::json(serde_json::json!({ "type": 1 }))))
            }
            // The CRC answer is the HMAC a delivery of that token's text would carry: X's
            // deliveries are JSON objects, so anything else is refused, CRC answers included.
            Handshake::XCrc if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') => {
                Some(Err(malformed("an X delivery is a JSON object")))
            }
            _ => None,
        }
    }
}

/// A challenge is echoed only when it is short and printable.
fn checked(challenge: &str) -> Result<&str, VerifyError> {
    if challenge.is_empty() || challenge.len() > MAX_CHALLENGE_LEN || challenge.bytes().any(|b| b.is_ascii_control()) {
        return Err(malformed("challenge is empty, too long or not printable"));
    }
    Ok(challenge)
}

fn malformed(why: &'static str) -> VerifyError {
    VerifyError::new(VerifyErrorKind::MalformedBody).detail(why)
}

fn mismatch(what: &str) -> VerifyError {
    VerifyError::new(VerifyErrorKind::SignatureMismatch).header(what)
}
