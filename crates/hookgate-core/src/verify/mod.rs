//! Verification: headers + raw body + "now" in, [`Verified`] metadata or a [`VerifyError`] out.
//! Pure and synchronous; no I/O.

mod fields;
mod signature;
mod timestamp;

use std::sync::Arc;
use std::time::SystemTime;

use hmac::Mac;
use sha2::{Digest, Sha256};

pub use fields::FieldPath;
pub use signature::MAX_SIGNATURES;

use crate::error::{VerifyError, VerifyErrorKind};
use crate::headers::{self, Headers};
use crate::replay::ReplayWindow;
use crate::scheme::{ContentPart, EventTypeSource, IdSource, Scheme, TimestampSource};
use crate::secret::Secrets;
use fields::{MAX_PATHS, probe};
use signature::{SignatureHeader, Signatures};
use timestamp::{parse_any_time, parse_unix};

/// Delivery ids longer than this (in a header) are refused (400).
pub const MAX_ID_LEN: usize = 512;

/// A scheme with its secrets and replay window: decides whether one webhook is genuine.
/// Cheap to clone (the secrets are shared).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use hookgate_core::{Preset, Verifier};
///
/// // Published example: GitHub's "Validating webhook deliveries".
/// let verifier = Verifier::for_preset(Preset::Github, &["It's a Secret to Everybody"]).unwrap();
/// let headers = [
///     ("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
///     ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
///     ("X-GitHub-Event", "push"),
/// ];
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let v = verifier.verify(&headers, b"Hello, World!", now).unwrap();
/// assert_eq!(v.delivery_id(), "72d3162e-cc78-11e3-81ab-4c9367dc0958");
/// assert_eq!(v.event_type(), Some("push"));
/// assert_eq!(v.checked_at(), now);
///
/// let err = verifier.verify(&headers, b"Hello, World?", now).unwrap_err();
/// assert_eq!(err.status(), 401);
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    scheme: Arc<Scheme>,
    secrets: Arc<Secrets>,
    window: ReplayWindow,
    body_paths: Arc<BodyPaths>,
}

/// What a verified webhook is: who it is from (which secret), and its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    // Shared, not copied, by the metadata, the idempotency key, events and outcomes.
    delivery_id: Arc<str>,
    id_from_provider: bool,
    event_type: Option<Arc<str>>,
    timestamp: Option<i64>,
    secret_index: usize,
    checked_at: SystemTime,
}

impl Verified {
    /// The provider's delivery id, or `sha256:<hex>` of the signed content when it sends none.
    pub fn delivery_id(&self) -> &str {
        &self.delivery_id
    }
    /// Whether [`Self::delivery_id`] came from the provider (not the digest fallback).
    pub fn id_from_provider(&self) -> bool {
        self.id_from_provider
    }
    /// The event type, when the scheme says where it is and it was present.
    pub fn event_type(&self) -> Option<&str> {
        self.event_type.as_deref()
    }
    /// The webhook's timestamp in Unix seconds, when it has one.
    pub fn timestamp(&self) -> Option<i64> {
        self.timestamp
    }
    /// Which configured secret matched (index in configuration order).
    pub fn secret_index(&self) -> usize {
        self.secret_index
    }
    /// The "now" it was verified against.
    pub fn checked_at(&self) -> SystemTime {
        self.checked_at
    }
    pub(crate) fn delivery_id_shared(&self) -> &Arc<str> {
        &self.delivery_id
    }
}

/// The signature check passed: which secret matched, and what the headers said.
struct Authenticated<'a> {
    secret_index: usize,
    header_id: Option<&'a str>,
    timestamp: Option<i64>,
    /// The timestamp exactly as sent (part of the signed content for some schemes).
    timestamp_text: Option<&'a str>,
}

/// The body fields a scheme reads, as one list for one probe of the body.
#[derive(Debug, Default)]
struct BodyPaths {
    paths: Vec<FieldPath>,
    id: Option<usize>,
    event: Vec<usize>,
    timestamp: Option<usize>,
}

impl BodyPaths {
    fn of(scheme: &Scheme) -> Self {
        let mut b = BodyPaths::default();
        let mut add = |p: &FieldPath| {
            b.paths.push(p.clone());
            b.paths.len() - 1
        };
        let id = match &scheme.id {
            IdSource::BodyField(p) => Some(add(p)),
            _ => None,
        };
        let event = match &scheme.event_type {
            EventTypeSource::BodyFields(ps) => ps.iter().take(2).map(&mut add).collect(),
            _ => Vec::new(),
        };
        let timestamp = match &scheme.timestamp {
            TimestampSource::BodyField(p) => Some(add(p)),
            _ => None,
        };
        debug_assert!(b.paths.len() <= MAX_PATHS);
        BodyPaths { id, event, timestamp, ..b }
    }
}

impl Verifier {
    /// A verifier for `scheme` with `secrets` and the default 300 s replay window.
    pub fn new(scheme: Scheme, secrets: impl Into<Secrets>) -> Self {
        let body_paths = Arc::new(BodyPaths::of(&scheme));
        Self {
            scheme: Arc::new(scheme),
            secrets: Arc::new(secrets.into()),
            window: ReplayWindow::default(),
            body_paths,
        }
    }

    /// A verifier for a preset, with secrets given as configuration text (decoded as the preset
    /// says: raw bytes, or `whsec_` base64 for Standard Webhooks and Svix).
    pub fn for_preset<S: AsRef<str>>(preset: crate::Preset, secrets: &[S]) -> Result<Self, crate::ConfigError> {
        let scheme = preset.scheme();
        let secrets = Secrets::parse(scheme.secret_format(), secrets)?;
        Ok(Self::new(scheme, secrets))
    }

    /// Replaces the replay window.
    #[must_use]
    pub fn with_window(mut self, window: ReplayWindow) -> Self {
        self.window = window;
        self
    }

    /// The scheme.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// The replay window.
    pub fn window(&self) -> ReplayWindow {
        self.window
    }

    /// The secrets.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Verifies a webhook and extracts its metadata (delivery id, event type, timestamp).
    pub fn verify<H: Headers + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        let auth = self.check(headers, body, now)?;
        let paths = &self.body_paths;
        let mut found = probe(body, &paths.paths);
        let mut take = |i: Option<usize>| i.and_then(|i| found[i].take());

        let body_id = take(paths.id).filter(|v| !v.is_empty());
        let (delivery_id, id_from_provider) = match (auth.header_id, body_id) {
            (Some(h), _) => (Arc::from(h), true),
            (None, Some(v)) => (v, true),
            (None, None) => (self.digest_id("", auth.timestamp_text.unwrap_or_default(), body), false),
        };
        let event_type = match &self.scheme.event_type {
            EventTypeSource::Header(h) => headers::single(headers, h)?.filter(|v| !v.is_empty()).map(Arc::from),
            EventTypeSource::BodyFields(_) => paths.event.iter().find_map(|&i| take(Some(i))),
            EventTypeSource::None => None,
        };
        let timestamp = auth.timestamp.or_else(|| take(paths.timestamp).and_then(|t| parse_any_time(&t)));
        Ok(Verified {
            delivery_id,
            id_from_provider,
            event_type,
            timestamp,
            secret_index: auth.secret_index,
            checked_at: now,
        })
    }

    /// The security decision alone (signature, replay window, required headers), without reading
    /// the body's fields: which secret matched. For benchmarks.
    #[cfg(feature = "test-util")]
    #[doc(hidden)]
    pub fn authenticate<H: Headers + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        now: SystemTime,
    ) -> Result<usize, VerifyError> {
        self.check(headers, body, now).map(|a| a.secret_index)
    }

    /// Signature, id and timestamp headers, replay window: in the order a request is refused.
    fn check<'a, H: Headers + ?Sized>(
        &'a self,
        headers: &'a H,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Authenticated<'a>, VerifyError> {
        let name = self.scheme.signature_header();
        let value = match headers::single(headers, name)? {
            Some(v) if !v.is_empty() => v,
            _ => return Err(VerifyError::new(VerifyErrorKind::MissingSignature).header(name)),
        };
        let header = SignatureHeader::parse(&self.scheme, name, value)?;
        let header_id = self.header_id(headers)?;
        let (timestamp_text, timestamp) = self.timestamp(headers, &header)?;
        if let (Some(ts), true) = (timestamp, self.scheme.enforces_timestamp()) {
            self.window.check(ts, now)?;
        }
        let signatures = header.decode()?;
        let signed = (header_id.unwrap_or_default(), timestamp_text.unwrap_or_default(), body);
        let secret_index = self.matching_secret(&signatures, signed, now).ok_or_else(|| {
            VerifyError::new(VerifyErrorKind::SignatureMismatch)
                .header(name)
                .detail(format!("none of {} signature(s) matched an active secret", header.len()))
        })?;
        Ok(Authenticated { secret_index, header_id, timestamp, timestamp_text })
    }

    /// The delivery id header, for schemes that have one: required, at most [`MAX_ID_LEN`] bytes.
    fn header_id<'a, H: Headers + ?Sized>(&self, headers: &'a H) -> Result<Option<&'a str>, VerifyError> {
        let IdSource::Header(h) = &self.scheme.id else { return Ok(None) };
        match headers::single(headers, h)? {
            Some(v) if v.len() > MAX_ID_LEN => Err(VerifyError::new(VerifyErrorKind::MalformedHeader)
                .header(h)
                .detail(format!("delivery id longer than {MAX_ID_LEN} bytes"))),
            Some(v) if !v.is_empty() => Ok(Some(v)),
            _ => Err(VerifyError::new(VerifyErrorKind::MissingHeader).header(h)),
        }
    }

    /// The timestamp from its header or the signature's `t=` entry: as sent, and in Unix seconds.
    fn timestamp<'a, H: Headers + ?Sized>(
        &'a self,
        headers: &'a H,
        signature: &SignatureHeader<'a>,
    ) -> Result<(Option<&'a str>, Option<i64>), VerifyError> {
        let (text, name) = match &self.scheme.timestamp {
            TimestampSource::Header(h) => match headers::single(headers, h)? {
                Some(v) if !v.is_empty() => (v, &**h),
                _ => return Err(VerifyError::new(VerifyErrorKind::MissingHeader).header(h)),
            },
            TimestampSource::SignatureParam => {
                (signature.timestamp.unwrap_or_default(), self.scheme.signature_header())
            }
            TimestampSource::None | TimestampSource::BodyField(_) => return Ok((None, None)),
        };
        let seconds = parse_unix(text).ok_or_else(|| {
            VerifyError::new(VerifyErrorKind::MalformedHeader).header(name).detail("timestamp is not Unix seconds")
        })?;
        Ok((Some(text), Some(seconds)))
    }

    /// The index of the first active secret that made one of `signatures` over the signed
    /// content (id, timestamp text, body).
    fn matching_secret(&self, signatures: &Signatures, signed: (&str, &str, &[u8]), now: SystemTime) -> Option<usize> {
        let (id, ts, body) = signed;
        self.secrets.iter().enumerate().filter(|(_, s)| s.is_active(now)).find_map(|(index, secret)| {
            let ok = if let Some(state) = secret.hmac_state() {
                let mut mac = state.clone();
                self.feed(id, ts, body, |b| mac.update(b));
                signatures.has_hmac(&mac.finalize().into_bytes())
            } else if let Some(key) = secret.ed25519_public() {
                signatures.has_ed25519(&key, || {
                    let mut message = Vec::with_capacity(id.len() + ts.len() + body.len() + 8);
                    self.feed(id, ts, body, |b| message.extend_from_slice(b));
                    message
                })
            } else {
                false
            };
            ok.then_some(index)
        })
    }

    /// The delivery id a request claims, unverified, for the log line of a refusal: the id
    /// header's first value (at most [`MAX_ID_LEN`] bytes, lossily as text), or `None` when the
    /// scheme takes its id from elsewhere or the header is absent.
    pub(crate) fn claimed_id<H: Headers + ?Sized>(&self, headers: &H) -> Option<String> {
        let IdSource::Header(name) = &self.scheme.id else { return None };
        let v = headers::first(headers, name)?;
        Some(String::from_utf8_lossy(&v[..v.len().min(MAX_ID_LEN)]).into_owned())
    }

    /// Feeds the signed content, piece by piece, to `sink` (no concatenation).
    pub(crate) fn feed(&self, id: &str, ts: &str, body: &[u8], sink: impl FnMut(&[u8])) {
        feed(&self.scheme, id, ts, body, sink)
    }

    /// `sha256:<64 hex digits>` of the signed content.
    fn digest_id(&self, id: &str, ts: &str, body: &[u8]) -> Arc<str> {
        let mut h = Sha256::new();
        self.feed(id, ts, body, |b| h.update(b));
        format!("sha256:{}", hex::encode(h.finalize())).into()
    }
}

/// Feeds `scheme`'s signed content to `sink`, part by part.
pub(crate) fn feed(scheme: &Scheme, id: &str, ts: &str, body: &[u8], mut sink: impl FnMut(&[u8])) {
    for part in scheme.content.parts() {
        match part {
            ContentPart::Id => sink(id.as_bytes()),
            ContentPart::Timestamp => sink(ts.as_bytes()),
            ContentPart::Body => sink(body),
            ContentPart::Literal(l) => sink(l.as_bytes()),
        }
    }
}
