//! Verification: headers + raw body + "now" in, [`Verified`] metadata or a [`VerifyError`] out.
//! Pure and synchronous; no I/O.

mod fields;
mod signature;
mod timestamp;

use std::sync::Arc;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

pub use fields::FieldPath;
pub use signature::MAX_SIGNATURES;

use crate::error::{VerifyError, VerifyErrorKind};
use crate::headers::{self, Headers};
use crate::replay::ReplayWindow;
use crate::scheme::{ContentPart, EventTypeSource, IdSource, Scheme, TimestampFormat, TimestampSource};
use crate::secret::Secrets;
pub(crate) use fields::probe;
use fields::{Found, MAX_PATHS};
use signature::{SignatureHeader, Signatures};
use timestamp::{parse_any_time, parse_millis, parse_rfc3339, parse_unix};

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

/// The request line a scheme may sign: its method and the full URL the provider called.
///
/// ```
/// use hookgate_core::RequestLine;
/// let line = RequestLine::post().url("https://example.com/hooks?x=1");
/// assert_eq!(line.method, "POST");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// The method, e.g. `POST`.
    pub method: &'a str,
    /// The full URL (`https://host/path?query`), when known.
    pub url: Option<&'a str>,
}

impl<'a> RequestLine<'a> {
    /// A `POST` with no URL known.
    pub fn post() -> Self {
        Self { method: "POST", url: None }
    }

    /// With the full URL the provider called.
    pub fn url(self, url: &'a str) -> Self {
        Self { url: Some(url), ..self }
    }
}

/// The signature check passed: which secret matched, and what the headers said.
struct Authenticated<'a> {
    secret_index: usize,
    header_id: Option<&'a str>,
    timestamp: Option<i64>,
    /// The timestamp exactly as sent (part of the signed content for some schemes).
    timestamp_text: Option<&'a str>,
    /// The signed body fields' values, as signed (the digest id hashes them again).
    fields: Vec<&'a str>,
}

/// The body fields a scheme reads, as one list for one probe of the body.
#[derive(Debug, Default)]
struct BodyPaths {
    paths: Vec<FieldPath>,
    id: Option<usize>,
    event: Vec<usize>,
    timestamp: Option<usize>,
    signature: Option<usize>,
    /// The signed fields, in the order of the signed content.
    content: Vec<usize>,
    /// How many of `paths`, from the first, the check itself reads (the signature and the signed
    /// fields). `verify` reads every path in one pass before the MAC when there are any;
    /// `authenticate`, the security decision alone, reads only these.
    checked: usize,
}

impl BodyPaths {
    fn of(scheme: &Scheme) -> Self {
        let mut b = BodyPaths::default();
        let mut add = |p: &FieldPath| match b.paths.iter().position(|q| q == p) {
            Some(i) => i,
            None => {
                b.paths.push(p.clone());
                b.paths.len() - 1
            }
        };
        let signature = scheme.signature_field.as_ref().map(&mut add);
        let content: Vec<usize> = scheme.content.fields().map(&mut add).collect();
        let id = match &scheme.id {
            IdSource::BodyField(p) => Some(add(p)),
            _ => None,
        };
        let event = match &scheme.event_type {
            EventTypeSource::BodyFields(ps) => ps.iter().map(&mut add).collect(),
            _ => Vec::new(),
        };
        let timestamp = match &scheme.timestamp {
            TimestampSource::BodyField(p) => Some(add(p)),
            _ => None,
        };
        debug_assert!(b.paths.len() <= MAX_BODY_FIELDS);
        // The signature and the signed fields were added first: they are the first paths.
        let checked = usize::from(signature.is_some()) + content.len();
        BodyPaths { id, event, timestamp, signature, content, checked, ..b }
    }
}

/// The most body fields one scheme reads (signature, signed fields, id, event types, timestamp).
pub const MAX_BODY_FIELDS: usize = MAX_PATHS;

/// Everything the signed content may be made of.
#[derive(Clone, Copy)]
pub(crate) struct Content<'a> {
    pub(crate) id: &'a str,
    pub(crate) timestamp: &'a str,
    pub(crate) body: &'a [u8],
    pub(crate) request: RequestLine<'a>,
    /// The values of the scheme's signed body fields, in order (absent fields are empty).
    pub(crate) fields: &'a [&'a str],
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
    /// says: raw bytes, `whsec_` base64 for Standard Webhooks and Svix, a public key for
    /// Discord and SendGrid).
    pub fn for_preset<S: AsRef<str>>(preset: crate::Preset, secrets: &[S]) -> Result<Self, crate::ConfigError> {
        let scheme = preset.scheme();
        let secrets = Secrets::for_scheme(&scheme, secrets)?;
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

    /// Verifies a `POST` webhook and extracts its metadata (delivery id, event type, timestamp).
    /// Schemes that sign the method or URL need [`Self::verify_request`].
    pub fn verify<H: Headers + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        self.verify_request(RequestLine::post(), headers, body, now)
    }

    /// Verifies a webhook sent with `request`'s method to its URL.
    pub fn verify_request<H: Headers + ?Sized>(
        &self,
        request: RequestLine<'_>,
        headers: &H,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        let paths = &self.body_paths;
        // When the check reads body fields, every field is read in that one pass: the others may
        // come first in the body (Mailgun's event data precedes its signature).
        let early = (paths.checked > 0).then(|| probe(body, &paths.paths));
        let auth = self.check(request, headers, body, early.as_ref(), now)?;
        let late;
        let found = match &early {
            Some(found) => found,
            None => {
                late = probe(body, &paths.paths);
                &late
            }
        };
        let take = |i: Option<usize>| i.and_then(|i| found[i].clone());

        let timestamp = match (auth.timestamp, take(paths.timestamp)) {
            (Some(t), _) => Some(t),
            (None, text) if paths.timestamp.is_some() => {
                let t = text.as_deref().and_then(|t| self.parse_time(t, true));
                if self.scheme.enforces_timestamp() {
                    // An enforced timestamp must be there: else nothing stops a replay (and for
                    // Mailgun, whose signed timestamp and token are concatenated, a timestamp
                    // moved into the token would keep the signature).
                    let t = t.ok_or_else(|| {
                        VerifyError::new(VerifyErrorKind::MalformedBody)
                            .detail("the body's timestamp field is missing or not a timestamp")
                    })?;
                    self.window.check(t, now)?;
                }
                t
            }
            (None, _) => None,
        };
        let body_id = take(paths.id).filter(|v| !v.is_empty());
        let (delivery_id, id_from_provider) = match (auth.header_id, body_id) {
            (Some(h), _) => (Arc::from(h), true),
            (None, Some(v)) => (v, true),
            (None, None) => {
                let content = Content {
                    id: "",
                    timestamp: auth.timestamp_text.unwrap_or_default(),
                    body,
                    request,
                    fields: &auth.fields,
                };
                (self.digest_id(content), false)
            }
        };
        let event_type = match &self.scheme.event_type {
            EventTypeSource::Header(h) => headers::single(headers, h)?.filter(|v| !v.is_empty()).map(Arc::from),
            EventTypeSource::BodyFields(_) => paths.event.iter().find_map(|&i| take(Some(i))),
            EventTypeSource::None => None,
        };
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
        self.authenticate_request(RequestLine::post(), headers, body, now)
    }

    /// [`Self::authenticate`] for a request sent with `request`'s method to its URL.
    #[cfg(feature = "test-util")]
    #[doc(hidden)]
    pub fn authenticate_request<H: Headers + ?Sized>(
        &self,
        request: RequestLine<'_>,
        headers: &H,
        body: &[u8],
        now: SystemTime,
    ) -> Result<usize, VerifyError> {
        let paths = &self.body_paths;
        let early = (paths.checked > 0).then(|| probe(body, &paths.paths[..paths.checked]));
        self.check(request, headers, body, early.as_ref(), now).map(|a| a.secret_index)
    }

    /// Signature, id and timestamp headers, replay window: in the order a request is refused.
    fn check<'a, H: Headers + ?Sized>(
        &'a self,
        request: RequestLine<'_>,
        headers: &'a H,
        body: &[u8],
        found: Option<&'a [Found; MAX_PATHS]>,
        now: SystemTime,
    ) -> Result<Authenticated<'a>, VerifyError> {
        let field = |i: Option<usize>| i.and_then(|i| found?[i].as_deref());
        let (name, value) = match &self.scheme.signature_field {
            Some(path) => (
                "body",
                field(self.body_paths.signature).filter(|v| !v.is_empty()).ok_or_else(|| {
                    VerifyError::new(VerifyErrorKind::MissingSignature).detail(format!("no `{path}` field in the body"))
                })?,
            ),
            None => {
                let name = self.scheme.signature_header();
                match headers::single(headers, name)? {
                    Some(v) if !v.is_empty() => (name, v),
                    _ => return Err(VerifyError::new(VerifyErrorKind::MissingSignature).header(name)),
                }
            }
        };
        let header = SignatureHeader::parse(&self.scheme, name, value)?;
        let header_id = self.header_id(headers)?;
        let (timestamp_text, timestamp) = self.timestamp(headers, &header)?;
        if let (Some(ts), true) = (timestamp, self.scheme.enforces_timestamp()) {
            self.window.check(ts, now)?;
        }
        let signatures = header.decode()?;
        if self.scheme.signs_url() && request.url.is_none() {
            return Err(VerifyError::new(VerifyErrorKind::MissingHeader).header("host").detail(
                "the scheme signs the request URL, which is unknown: configure public_url or trust_forwarded",
            ));
        }
        let fields: Vec<&str> = self.body_paths.content.iter().map(|&i| field(Some(i)).unwrap_or_default()).collect();
        let content = Content {
            id: header_id.unwrap_or_default(),
            timestamp: timestamp_text.unwrap_or_default(),
            body,
            request,
            fields: &fields,
        };
        let secret_index = self.matching_secret(&signatures, content, now).ok_or_else(|| {
            VerifyError::new(VerifyErrorKind::SignatureMismatch)
                .header(name)
                .detail(format!("none of {} signature(s) matched an active secret", header.len()))
        })?;
        Ok(Authenticated { secret_index, header_id, timestamp, timestamp_text, fields })
    }

    /// The delivery id header, for schemes that have one: required (unless optional), at most
    /// [`MAX_ID_LEN`] bytes.
    fn header_id<'a, H: Headers + ?Sized>(&self, headers: &'a H) -> Result<Option<&'a str>, VerifyError> {
        let (h, required) = match &self.scheme.id {
            IdSource::Header(h) => (h, true),
            IdSource::OptionalHeader(h) => (h, false),
            _ => return Ok(None),
        };
        match headers::single(headers, h)? {
            Some(v) if v.len() > MAX_ID_LEN => Err(VerifyError::new(VerifyErrorKind::MalformedHeader)
                .header(h)
                .detail(format!("delivery id longer than {MAX_ID_LEN} bytes"))),
            Some(v) if !v.is_empty() => Ok(Some(v)),
            _ if !required => Ok(None),
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
                // A timestamp that is neither signed nor enforced is only reported (Sentry's).
                None if !self.scheme.enforces_timestamp() && !self.scheme.content.uses(&ContentPart::Timestamp) => {
                    return Ok((None, None));
                }
                _ => return Err(VerifyError::new(VerifyErrorKind::MissingHeader).header(h)),
            },
            TimestampSource::SignatureParam => {
                (signature.timestamp.unwrap_or_default(), self.scheme.signature_header())
            }
            TimestampSource::None | TimestampSource::BodyField(_) => return Ok((None, None)),
        };
        let seconds = self.parse_time(text, false).ok_or_else(|| {
            VerifyError::new(VerifyErrorKind::MalformedHeader).header(name).detail(match self.scheme.timestamp_format {
                TimestampFormat::UnixSeconds => "timestamp is not Unix seconds",
                TimestampFormat::UnixMillis => "timestamp is not Unix milliseconds",
                TimestampFormat::Rfc3339 => "timestamp is not RFC 3339",
            })
        })?;
        Ok((Some(text), Some(seconds)))
    }

    /// A timestamp in the scheme's format, in Unix seconds. Body fields in seconds may also be
    /// RFC 3339 text.
    fn parse_time(&self, text: &str, in_body: bool) -> Option<i64> {
        match self.scheme.timestamp_format {
            TimestampFormat::UnixSeconds if in_body => parse_any_time(text),
            TimestampFormat::UnixSeconds => parse_unix(text),
            TimestampFormat::UnixMillis => parse_millis(text),
            TimestampFormat::Rfc3339 => parse_rfc3339(text),
        }
    }

    /// The index of the first active secret that made one of `signatures` over `content`.
    fn matching_secret(&self, signatures: &Signatures<'_>, content: Content<'_>, now: SystemTime) -> Option<usize> {
        // Public-key schemes need the content in one piece: built once, for the first key.
        let message: std::cell::OnceCell<Vec<u8>> = std::cell::OnceCell::new();
        let message = || {
            message
                .get_or_init(|| {
                    let mut m = Vec::with_capacity(content.body.len() + 64);
                    self.feed(content, |b| m.extend_from_slice(b));
                    m
                })
                .as_slice()
        };
        self.secrets.iter().enumerate().filter(|(_, s)| s.is_active(now)).find_map(|(index, secret)| {
            let ok = if let Some(tag) = secret.hmac_tag(|sink| self.feed(content, sink)) {
                signatures.has_hmac(tag.as_bytes())
            } else if let Some(key) = secret.ed25519_public() {
                signatures.has_ed25519(&key, message)
            } else if let Some(key) = secret.p256_public() {
                signatures.has_p256(&key, message)
            } else {
                signatures.has_token(secret)
            };
            ok.then_some(index)
        })
    }

    /// The HMAC of `data` with the secret at `index`, for handshakes that answer with one.
    pub(crate) fn sign_with_secret(&self, index: usize, data: &[u8]) -> Option<Vec<u8>> {
        let secret = self.secrets.iter().nth(index)?;
        secret.hmac_tag(|sink| sink(data)).map(|t| t.as_bytes().to_vec())
    }

    /// The HMAC of `data` with the first secret active at `now`.
    pub(crate) fn sign_with_active_secret(&self, data: &[u8], now: SystemTime) -> Option<Vec<u8>> {
        let index = self.secrets.iter().position(|s| s.is_active(now))?;
        self.sign_with_secret(index, data)
    }

    /// The timestamp a request carries (header, signature entry or body field), in Unix seconds,
    /// unverified: for diagnosing a stale request at its own time (`hookgate verify`).
    pub fn claimed_timestamp<H: Headers + ?Sized>(&self, headers: &H, body: &[u8]) -> Option<i64> {
        if let TimestampSource::BodyField(_) = &self.scheme.timestamp {
            let found = probe(body, &self.body_paths.paths);
            return self.parse_time(found[self.body_paths.timestamp?].as_deref()?, true);
        }
        let value = headers::single(headers, self.scheme.signature_header()).ok().flatten().unwrap_or_default();
        let header = SignatureHeader::parse(&self.scheme, self.scheme.signature_header(), value).ok();
        let dummy = SignatureHeader::empty();
        self.timestamp(headers, header.as_ref().unwrap_or(&dummy)).ok()?.1
    }

    /// The delivery id a request claims, unverified, for the log line of a refusal: the id
    /// header's first value (at most [`MAX_ID_LEN`] bytes, lossily as text), or `None` when the
    /// scheme takes its id from elsewhere or the header is absent.
    pub(crate) fn claimed_id<H: Headers + ?Sized>(&self, headers: &H) -> Option<String> {
        let (IdSource::Header(name) | IdSource::OptionalHeader(name)) = &self.scheme.id else { return None };
        let v = headers::first(headers, name)?;
        Some(String::from_utf8_lossy(&v[..v.len().min(MAX_ID_LEN)]).into_owned())
    }

    /// Feeds the signed content, piece by piece, to `sink` (no concatenation).
    pub(crate) fn feed(&self, content: Content<'_>, sink: impl FnMut(&[u8])) {
        feed(&self.scheme, content, sink)
    }

    /// `sha256:<64 hex digits>` of the signed content.
    fn digest_id(&self, content: Content<'_>) -> Arc<str> {
        let mut h = Sha256::new();
        self.feed(content, |b| h.update(b));
        format!("sha256:{}", hex::encode(h.finalize())).into()
    }
}

/// Feeds `scheme`'s signed content to `sink`, part by part.
pub(crate) fn feed(scheme: &Scheme, content: Content<'_>, mut sink: impl FnMut(&[u8])) {
    let mut fields = content.fields.iter();
    for part in scheme.content.parts() {
        match part {
            ContentPart::Id => sink(content.id.as_bytes()),
            ContentPart::Timestamp => sink(content.timestamp.as_bytes()),
            ContentPart::Body => sink(content.body),
            ContentPart::Method => sink(content.request.method.as_bytes()),
            ContentPart::Url => sink(content.request.url.unwrap_or_default().as_bytes()),
            ContentPart::FormParams => {
                let mut params: Vec<_> = form_urlencoded::parse(content.body).collect();
                params.sort();
                for (name, value) in params {
                    sink(name.as_bytes());
                    sink(value.as_bytes());
                }
            }
            ContentPart::Field(_) => sink(fields.next().copied().unwrap_or_default().as_bytes()),
            ContentPart::Literal(l) => sink(l.as_bytes()),
        }
    }
}
