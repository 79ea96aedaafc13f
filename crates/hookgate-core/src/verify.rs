//! Verification: headers + raw body + "now" in, [`Verified`] metadata or a [`VerifyError`] out.
//! Pure and synchronous; no I/O.

use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine as _;
use ed25519_dalek::Signature;
use hmac::Mac;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

use crate::error::{VerifyError, VerifyErrorKind};
use crate::fields::{FieldPath, MAX_PATHS, probe};
use crate::headers::{Headers, MAX_READ, Seen, read};
use crate::replay::ReplayWindow;
use crate::scheme::{ContentPart, Encoding, EventTypeSource, IdSource, Scheme, SignatureSyntax, TimestampSource};
use crate::secret::{BASE64_LENIENT, Secrets};
use crate::words::{ONES, word_at};

/// More signatures than this in one header is refused (400): a rotation needs two or three.
pub const MAX_SIGNATURES: usize = 8;

/// Delivery ids longer than this (in a header) are refused (400).
pub const MAX_ID_LEN: usize = 512;

/// A scheme with its secrets and replay window: decides whether one webhook is genuine.
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
/// assert_eq!(&**v.delivery_id_shared(), v.delivery_id());
///
/// let err = verifier.verify(&headers, b"Hello, World?", now).unwrap_err();
/// assert_eq!(err.status(), 401);
/// ```
#[derive(Debug)]
pub struct Verifier {
    scheme: Scheme,
    secrets: Secrets,
    window: ReplayWindow,
    body_paths: BodyPaths,
    slots: Slots,
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
    /// The delivery id, shared (a reference count, no copy).
    pub fn delivery_id_shared(&self) -> &Arc<str> {
        &self.delivery_id
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
}

/// The signature check passed: which secret matched, and what the headers said.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use hookgate_core::{Preset, Verifier};
///
/// let verifier = Verifier::for_preset(Preset::Github, &["It's a Secret to Everybody"]).unwrap();
/// let headers = [
///     ("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
///     ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
/// ];
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let auth = verifier.authenticate(&headers, b"Hello, World!", now).unwrap();
/// assert_eq!(auth.secret_index(), 0);
/// assert_eq!(auth.header_id(), Some("72d3162e-cc78-11e3-81ab-4c9367dc0958"));
/// assert_eq!(auth.timestamp(), None);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Authenticated<'h> {
    secret_index: usize,
    // Kept as bytes: checked to be UTF-8 (an ASCII test in the common case), turned into `str`
    // only when asked for, so `authenticate` pays no second validation.
    header_id: Option<&'h [u8]>,
    timestamp: Option<i64>,
    // ASCII digits once parsed.
    timestamp_text: Option<&'h [u8]>,
}

impl<'h> Authenticated<'h> {
    /// Which configured secret matched (its index in [`Verifier::secrets`]).
    pub fn secret_index(&self) -> usize {
        self.secret_index
    }
    /// The id from its header, for header-id schemes.
    pub fn header_id(&self) -> Option<&'h str> {
        self.header_id.map(checked_text)
    }
    /// The timestamp from its header or `t=` entry, in Unix seconds.
    pub fn timestamp(&self) -> Option<i64> {
        self.timestamp
    }
    /// The timestamp exactly as sent (it is part of the signed content for some schemes).
    pub fn timestamp_text(&self) -> Option<&'h str> {
        self.timestamp_text.map(checked_text)
    }
}

impl std::fmt::Debug for Authenticated<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticated")
            .field("secret_index", &self.secret_index)
            .field("header_id", &self.header_id())
            .field("timestamp", &self.timestamp)
            .field("timestamp_text", &self.timestamp_text())
            .finish()
    }
}

/// Header text already checked to be UTF-8 by [`Seen::text_bytes`]; the conversion cannot fail
/// (were it to, the text would read as empty rather than panic).
fn checked_text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

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
        let add = |p: &FieldPath, paths: &mut Vec<FieldPath>| {
            paths.push(p.clone());
            paths.len() - 1
        };
        if let IdSource::BodyField(p) = &scheme.id {
            b.id = Some(add(p, &mut b.paths));
        }
        if let EventTypeSource::BodyFields(ps) = &scheme.event_type {
            for p in ps.iter().take(2) {
                let i = add(p, &mut b.paths);
                b.event.push(i);
            }
        }
        if let TimestampSource::BodyField(p) = &scheme.timestamp {
            b.timestamp = Some(add(p, &mut b.paths));
        }
        debug_assert!(b.paths.len() <= MAX_PATHS);
        b
    }
}

/// The headers a scheme reads, each given a slot of one [`read`]: the signature first, then the
/// id and timestamp headers, then the event type's (a name already given a slot shares it).
/// Worked out once per verifier.
#[derive(Debug, Default)]
struct Slots {
    names: [Box<str>; MAX_READ],
    /// How many slots [`Verifier::authenticate`] reads (all but the event type's).
    auth: usize,
    /// How many slots [`Verifier::verify`] reads.
    all: usize,
    id: Option<usize>,
    ts: Option<usize>,
    event: Option<usize>,
}

impl Slots {
    fn of(s: &Scheme) -> Self {
        let mut slots = Slots::default();
        slots.add(&s.signature_header);
        if let IdSource::Header(h) = &s.id {
            slots.id = Some(slots.add(h));
        }
        if let TimestampSource::Header(h) = &s.timestamp {
            slots.ts = Some(slots.add(h));
        }
        slots.auth = slots.all;
        if let EventTypeSource::Header(h) = &s.event_type {
            slots.event = Some(slots.add(h));
        }
        slots
    }

    /// The slot of `name`: its own, or the one it shares with an earlier header of that name.
    fn add(&mut self, name: &str) -> usize {
        if let Some(i) = self.names[..self.all].iter().position(|n| &**n == name) {
            return i;
        }
        self.names[self.all] = name.into();
        self.all += 1;
        self.all - 1
    }

    /// The slots' names; a read takes the first [`Self::auth`] or [`Self::all`] of them.
    fn names(&self) -> [&str; MAX_READ] {
        [&self.names[0], &self.names[1], &self.names[2], &self.names[3]]
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Alg {
    Hmac,
    Ed25519,
}

/// One signature of the signature header.
#[derive(Clone, Copy)]
enum Candidate<'h> {
    /// An HMAC tag: its text, decoded into `bytes` by [`Parsed::decode_hmacs`] while the first
    /// secret's MAC is being computed (see [`Verifier::check`]).
    Hmac { encoding: Encoding, text: &'h [u8], bytes: [u8; 32] },
    /// An Ed25519 signature, decoded when the header is parsed.
    Ed25519([u8; 64]),
}

struct Parsed<'h> {
    /// The first `len` are `Some`: an array of `None` is set up by writing its tags alone, where
    /// zeroing half a KiB of candidates called `memset` on every request.
    candidates: [Option<Candidate<'h>>; MAX_SIGNATURES],
    len: usize,
    /// The `t=` entry; ASCII digits once [`parse_unix`] accepted it.
    timestamp: Option<&'h [u8]>,
    /// Whether the HMAC signatures have been decoded (and so checked to be well formed).
    decoded: bool,
}

impl Parsed<'_> {
    /// Decodes the HMAC signatures' texts, once; a malformed one is refused (400).
    fn decode_hmacs(&mut self, header: &str) -> Result<(), VerifyError> {
        if self.decoded {
            return Ok(());
        }
        for c in self.candidates[..self.len].iter_mut().flatten() {
            if let Candidate::Hmac { encoding, text, bytes } = c {
                if !decode_exact(*encoding, text, bytes) {
                    return Err(malformed_signature(header, *encoding));
                }
            }
        }
        self.decoded = true;
        Ok(())
    }

    /// [`Self::decode_hmacs`] where it is rarely needed (an Ed25519 key tried first, no active
    /// secret), out of the way of the common path.
    #[cold]
    #[inline(never)]
    fn decode_hmacs_rarely(&mut self, header: &str) -> Result<(), VerifyError> {
        self.decode_hmacs(header)
    }
}

impl Verifier {
    /// A verifier for `scheme` with `secrets` and the default 300 s replay window.
    pub fn new(scheme: Scheme, secrets: impl Into<Secrets>) -> Self {
        let body_paths = BodyPaths::of(&scheme);
        let slots = Slots::of(&scheme);
        Self { scheme, secrets: secrets.into(), window: ReplayWindow::default(), body_paths, slots }
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
        // Every header the scheme names is read in one pass.
        let slots = &self.slots;
        let seen = read(headers, &slots.names()[..slots.all]);
        let auth = self.check(&seen, body, now)?;
        let s = &self.scheme;
        let mut found =
            if self.body_paths.paths.is_empty() { Default::default() } else { probe(body, &self.body_paths.paths) };
        let mut take = |i: Option<usize>| i.and_then(|i| found[i].take());

        let body_id = match &s.id {
            IdSource::BodyField(_) => take(self.body_paths.id).filter(|v| !v.is_empty()),
            _ => None,
        };
        let (delivery_id, id_from_provider) = match (auth.header_id(), body_id) {
            (Some(h), _) => (Arc::from(h), true),
            (None, Some(v)) => (v, true),
            (None, None) => (self.digest_id(b"", auth.timestamp_text.unwrap_or_default(), body), false),
        };
        let event_type = match &s.event_type {
            EventTypeSource::None => None,
            EventTypeSource::Header(h) => slot_text(&seen, slots.event, h)?.filter(|v| !v.is_empty()).map(Arc::from),
            EventTypeSource::BodyFields(_) => self.body_paths.event.iter().find_map(|&i| take(Some(i))),
        };
        let timestamp = auth.timestamp.or_else(|| take(self.body_paths.timestamp).and_then(|t| parse_any_time(&t)));
        Ok(Verified {
            delivery_id,
            id_from_provider,
            event_type,
            timestamp,
            secret_index: auth.secret_index,
            checked_at: now,
        })
    }

    /// The security decision alone: signature, replay window, required headers. No body parsing.
    pub fn authenticate<'h, H: Headers + ?Sized>(
        &self,
        headers: &'h H,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Authenticated<'h>, VerifyError> {
        let seen = read(headers, &self.slots.names()[..self.slots.auth]);
        self.check(&seen, body, now)
    }

    /// [`Self::authenticate`] on headers already read.
    fn check<'h>(
        &self,
        seen: &[Seen<'h>; MAX_READ],
        body: &[u8],
        now: SystemTime,
    ) -> Result<Authenticated<'h>, VerifyError> {
        let (s, slots) = (&self.scheme, &self.slots);
        let sig_name: &str = &s.signature_header;
        // Parsed as bytes: the signature header's text is never needed as `str`, and checking
        // that it is ASCII costs a third of a full UTF-8 validation (the common case).
        let raw = match seen[0].text_bytes(sig_name)? {
            Some(v) if !v.is_empty() => v,
            _ => return Err(VerifyError::new(VerifyErrorKind::MissingSignature).header(sig_name)),
        };
        // Filled in place: the candidates array is half a KiB, not worth moving per request.
        let mut parsed = Parsed { candidates: [None; MAX_SIGNATURES], len: 0, timestamp: None, decoded: false };
        parse_signatures(s, raw, &mut parsed)?;

        let header_id = match &s.id {
            IdSource::Header(h) => Some(match slot_bytes(seen, slots.id, h)? {
                Some(v) if !v.is_empty() => {
                    if v.len() > MAX_ID_LEN {
                        return Err(VerifyError::new(VerifyErrorKind::MalformedHeader)
                            .header(h)
                            .detail(format!("delivery id longer than {MAX_ID_LEN} bytes")));
                    }
                    v
                }
                _ => return Err(VerifyError::new(VerifyErrorKind::MissingHeader).header(h)),
            }),
            _ => None,
        };

        let ts_text = match &s.timestamp {
            TimestampSource::Header(h) => match slot_bytes(seen, slots.ts, h)? {
                Some(v) if !v.is_empty() => Some((v, &**h)),
                _ => return Err(VerifyError::new(VerifyErrorKind::MissingHeader).header(h)),
            },
            TimestampSource::SignatureParam => Some((parsed.timestamp.unwrap_or_default(), sig_name)),
            _ => None,
        };
        let timestamp = match ts_text {
            Some((t, h)) => Some(parse_unix(t).ok_or_else(|| {
                VerifyError::new(VerifyErrorKind::MalformedHeader).header(h).detail("timestamp is not Unix seconds")
            })?),
            None => None,
        };
        if let (Some(ts), true) = (timestamp, s.enforces_timestamp()) {
            self.window.check(ts, now)?;
        }

        let id = header_id.unwrap_or_default();
        let ts = ts_text.map(|t| t.0).unwrap_or_default();
        for (index, secret) in self.secrets.iter().enumerate() {
            if !secret.is_active(now) {
                continue;
            }
            let ok = if let Some(state) = secret.hmac_state() {
                let mut mac = state.clone();
                self.feed(id, ts, body, |b| mac.update(b));
                // The signatures are decoded (by the first secret tried) here, after the MAC has
                // been fed and before it is finished: the decoding does not wait for the hash, so
                // an out-of-order CPU does it while the hash's last blocks are still in flight
                // (about 0.01–0.03x of the 1 KiB floor; BENCHMARKS.md, session 10). `black_box`
                // keeps the compiler from moving it ahead of the feeding, which it may, since the
                // two share no data; it is a hint for speed, nothing relies on it. So a malformed
                // signature is found after the id, timestamp and window checks: a request that
                // also fails one of those is refused for that.
                std::hint::black_box(&mut mac);
                parsed.decode_hmacs(sig_name)?;
                let tag: [u8; 32] = mac.finalize().into_bytes().into();
                let mut ok = Choice::from(0);
                for c in parsed.candidates[..parsed.len].iter().flatten() {
                    if let Candidate::Hmac { bytes, .. } = c {
                        ok |= mac_eq(bytes, &tag);
                    }
                }
                bool::from(ok)
            } else if let Some(key) = secret.ed25519_public() {
                // A malformed HMAC signature is refused even when an Ed25519 one would verify.
                parsed.decode_hmacs_rarely(sig_name)?;
                let eds = parsed.candidates[..parsed.len].iter().flatten().filter_map(|c| match c {
                    Candidate::Ed25519(bytes) => Some(bytes),
                    Candidate::Hmac { .. } => None,
                });
                let mut msg = Vec::new();
                if eds.clone().next().is_some() {
                    msg.reserve(id.len() + ts.len() + body.len() + 2);
                    self.feed(id, ts, body, |b| msg.extend_from_slice(b));
                }
                eds.fold(false, |acc, c| acc | key.verify_strict(&msg, &Signature::from_bytes(c)).is_ok())
            } else {
                false
            };
            if ok {
                return Ok(Authenticated {
                    secret_index: index,
                    header_id,
                    timestamp,
                    timestamp_text: ts_text.map(|t| t.0),
                });
            }
        }
        // A malformed HMAC signature is refused as such (400), even when no secret was active.
        parsed.decode_hmacs_rarely(sig_name)?;
        Err(VerifyError::new(VerifyErrorKind::SignatureMismatch)
            .header(sig_name)
            .detail(format!("none of {} signature(s) matched an active secret", parsed.len)))
    }

    /// The delivery id a request claims, unverified, for the log line of a refusal: the id
    /// header's first value (at most `MAX_ID_LEN` bytes, lossily as text), or `None` when the
    /// scheme takes its id from elsewhere or the header is absent.
    pub(crate) fn claimed_id<H: Headers + ?Sized>(&self, headers: &H) -> Option<String> {
        let IdSource::Header(name) = &self.scheme.id else { return None };
        let v = read(headers, &[name])[0].first()?;
        Some(String::from_utf8_lossy(&v[..v.len().min(MAX_ID_LEN)]).into_owned())
    }

    /// Feeds the signed content, piece by piece, to `sink` (no concatenation).
    pub(crate) fn feed(&self, id: &[u8], ts: &[u8], body: &[u8], mut sink: impl FnMut(&[u8])) {
        feed(&self.scheme, id, ts, body, &mut sink)
    }

    /// `sha256:<64 hex digits>` of the signed content, built in place (one allocation).
    fn digest_id(&self, id: &[u8], ts: &[u8], body: &[u8]) -> Arc<str> {
        let mut h = Sha256::new();
        self.feed(id, ts, body, |b| h.update(b));
        let mut text = [0u8; 7 + 64];
        text[..7].copy_from_slice(b"sha256:");
        hex::encode_to_slice(h.finalize(), &mut text[7..]).expect("64 hex digits fit");
        Arc::from(std::str::from_utf8(&text).expect("ASCII"))
    }
}

/// The text of the header in `slot` of one [`read`], as bytes checked to be UTF-8 (`None` when
/// the scheme gave it no slot).
fn slot_bytes<'h>(
    seen: &[Seen<'h>; MAX_READ],
    slot: Option<usize>,
    name: &str,
) -> Result<Option<&'h [u8]>, VerifyError> {
    slot.map_or(Ok(None), |i| seen[i].text_bytes(name))
}

/// The text of the header in `slot` of one [`read`] (`None` when the scheme gave it no slot).
fn slot_text<'h>(seen: &[Seen<'h>; MAX_READ], slot: Option<usize>, name: &str) -> Result<Option<&'h str>, VerifyError> {
    slot.map_or(Ok(None), |i| seen[i].text(name))
}

pub(crate) fn feed(scheme: &Scheme, id: &[u8], ts: &[u8], body: &[u8], sink: &mut impl FnMut(&[u8])) {
    for part in scheme.content.parts() {
        match part {
            ContentPart::Id => sink(id),
            ContentPart::Timestamp => sink(ts),
            ContentPart::Body => sink(body),
            ContentPart::Literal(l) => sink(l.as_bytes()),
        }
    }
}

fn parse_signatures<'h>(s: &Scheme, raw: &'h [u8], out: &mut Parsed<'h>) -> Result<(), VerifyError> {
    let name: &str = &s.signature_header;
    let malformed = |why: &'static str| VerifyError::new(VerifyErrorKind::MalformedHeader).header(name).detail(why);
    // Ed25519 signatures are decoded here, HMAC ones by `Parsed::decode_hmacs`.
    let push = |out: &mut Parsed<'h>, alg: Alg, encoding: Encoding, text: &'h [u8]| -> Result<(), VerifyError> {
        if out.len == MAX_SIGNATURES {
            return Err(malformed("too many signatures"));
        }
        let text = text.trim_ascii();
        out.candidates[out.len] = Some(if alg == Alg::Ed25519 {
            let mut bytes = [0; 64];
            if !decode_exact(encoding, text, &mut bytes) {
                return Err(malformed_signature(name, encoding));
            }
            Candidate::Ed25519(bytes)
        } else {
            Candidate::Hmac { encoding, text, bytes: [0; 32] }
        });
        out.len += 1;
        Ok(())
    };
    match &s.syntax {
        SignatureSyntax::Single { prefix, prefix_required } => {
            let value = match raw.strip_prefix(prefix.as_bytes()) {
                Some(v) => v,
                None if !*prefix_required => raw,
                None => return Err(malformed("signature lacks its prefix")),
            };
            push(out, Alg::Hmac, s.encoding, value)?;
        }
        SignatureSyntax::Params { timestamp_key, signature_key } => {
            let mut timestamp: Option<&'h [u8]> = None;
            for item in items(raw, b',') {
                let (k, v) =
                    split_once(item.trim_ascii(), b'=').ok_or_else(|| malformed("list entry is not `key=value`"))?;
                if k == timestamp_key.as_bytes() {
                    match timestamp {
                        Some(prev) if prev != v => {
                            return Err(VerifyError::new(VerifyErrorKind::AmbiguousHeader)
                                .header(name)
                                .detail("several different timestamps"));
                        }
                        _ => timestamp = Some(v),
                    }
                } else if k == signature_key.as_bytes() {
                    push(out, Alg::Hmac, s.encoding, v)?;
                }
            }
            out.timestamp = Some(timestamp.ok_or_else(|| malformed("no timestamp entry"))?);
        }
        SignatureSyntax::VersionedList => {
            for item in words(raw) {
                let (version, v) =
                    split_once(item, b',').ok_or_else(|| malformed("entry is not `version,signature`"))?;
                match version {
                    b"v1" => push(out, Alg::Hmac, Encoding::Base64, v)?,
                    b"v1a" => push(out, Alg::Ed25519, Encoding::Base64, v)?,
                    _ => {}
                }
            }
        }
    }
    if out.len == 0 {
        return Err(VerifyError::new(VerifyErrorKind::MissingSignature)
            .header(name)
            .detail("no signature of a supported version"));
    }
    Ok(())
}

/// `text` split at the first `sep`, without it. The separators split here (`key=value`,
/// `version,signature`) sit a byte or two in, where a plain scan stops at once and `memchr`'s
/// dispatch and set-up cost more than the search.
fn split_once(text: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let i = text.iter().position(|&b| b == sep)?;
    Some((&text[..i], &text[i + 1..]))
}

/// The pieces of `text` between `sep` bytes (as `text.split(..)`, found with `memchr`: a
/// per-byte split cost about 5 instructions per byte of the header).
fn items(text: &[u8], sep: u8) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        match memchr::memchr(sep, t) {
            Some(i) => {
                rest = Some(&t[i + 1..]);
                Some(&t[..i])
            }
            None => rest.take(),
        }
    })
}

/// The non-empty runs of `text` between ASCII whitespace (as `split_ascii_whitespace`).
fn words(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        let t = &rest[start..];
        let end = find_ascii_whitespace(t).unwrap_or(t.len());
        rest = &t[end..];
        Some(&t[..end])
    })
}

/// The first ASCII whitespace byte of `text`. Every ASCII whitespace byte is at most b' ', so
/// eight bytes at a time are skipped while none of them is; a signature list usually has none.
fn find_ascii_whitespace(text: &[u8]) -> Option<usize> {
    let mut start = 0;
    for word in text.chunks_exact(8) {
        let x = word_at(word, 0);
        // Non-zero exactly when some byte of `x` is below 0x21.
        if x.wrapping_sub(0x21 * ONES) & !x & (0x80 * ONES) != 0 {
            break;
        }
        start += 8;
    }
    text[start..].iter().position(u8::is_ascii_whitespace).map(|i| start + i)
}

fn malformed_signature(header: &str, encoding: Encoding) -> VerifyError {
    VerifyError::new(VerifyErrorKind::MalformedHeader).header(header).detail(match encoding {
        Encoding::Hex => "signature is not 64 hex digits",
        Encoding::Base64 => "signature is not base64 of the right length",
    })
}

fn decode_exact(enc: Encoding, text: &[u8], out: &mut [u8]) -> bool {
    match enc {
        Encoding::Hex => crate::hexsig::decode(text, out),
        Encoding::Base64 => {
            if let Ok(mac) = <&mut [u8; 32]>::try_from(&mut *out) {
                return crate::b64sig::decode32(text, mac);
            }
            // Length is checked before any decoding work.
            let max = out.len().div_ceil(3) * 4;
            if text.len() > max || text.len() + 3 < max {
                return false;
            }
            let mut buf = [0u8; 96];
            matches!(BASE64_LENIENT.decode_slice(text, &mut buf), Ok(n) if n == out.len()) && {
                out.copy_from_slice(&buf[..out.len()]);
                true
            }
        }
    }
}

/// Constant-time equality of two 32-byte MACs: every byte is read whatever the contents, and
/// the differences are folded into one word before a single constant-time comparison.
fn mac_eq(a: &[u8; 32], b: &[u8; 32]) -> Choice {
    let mut diff = 0u64;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        diff |= word_at(x, 0) ^ word_at(y, 0);
    }
    diff.ct_eq(&0)
}

/// Unix seconds: 1 to 15 ASCII digits.
pub(crate) fn parse_unix(t: &[u8]) -> Option<i64> {
    if t.is_empty() || t.len() > 15 {
        return None;
    }
    // The last eight digits (a timestamp has ten) are read as one word, those before one by one.
    let (head, last8) = match t.len().checked_sub(8) {
        Some(n) => (&t[..n], Some(&t[n..])),
        None => (t, None),
    };
    // No exit per digit: the sum stays in a register (a `try_fold` kept it on the stack, a
    // store and a load per digit). Fifteen values up to 255 cannot overflow.
    let (mut acc, mut bad) = (0i64, false);
    for &c in head {
        let d = c.wrapping_sub(b'0');
        bad |= d > 9;
        acc = acc * 10 + i64::from(d);
    }
    if let Some(word) = last8 {
        let (value, ok) = eight_digits(word_at(word, 0));
        bad |= !ok;
        acc = acc * 100_000_000 + value as i64;
    }
    (!bad).then_some(acc)
}

/// The value of eight ASCII digits read as a little-endian word (its first byte the most
/// significant digit), and whether all eight are digits: about 15 operations for the eight, where
/// one at a time took about 7 each.
fn eight_digits(x: u64) -> (u64, bool) {
    // A digit's high nibble is 3 and its low one at most 9: adding 6 then leaves the high nibble
    // 3 (no byte carries into the next while every high nibble is 3).
    let ok = (x & (0xf0 * ONES) == 0x30 * ONES) & ((x.wrapping_add(0x06 * ONES)) & (0xf0 * ONES) == 0x30 * ONES);
    let d = x & (0x0f * ONES);
    // Neighbouring digits, then pairs, then fours, joined: each step's sums fit their lanes.
    let d = (d.wrapping_mul(10) + (d >> 8)) & 0x00ff_00ff_00ff_00ff;
    let d = (d.wrapping_mul(100) + (d >> 16)) & 0x0000_ffff_0000_ffff;
    let d = (d.wrapping_mul(10_000) + (d >> 32)) & 0xffff_ffff;
    (d, ok)
}

/// A body timestamp: Unix seconds, or RFC 3339 text.
fn parse_any_time(t: &str) -> Option<i64> {
    parse_unix(t.as_bytes()).or_else(|| {
        let st = humantime::parse_rfc3339_weak(t.trim_end_matches('Z')).ok()?;
        Some(crate::replay::unix_seconds(st))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_lengths() {
        let mut out = [0u8; 32];
        assert!(decode_exact(Encoding::Hex, "ab".repeat(32).as_bytes(), &mut out));
        assert!(!decode_exact(Encoding::Hex, "ab".repeat(31).as_bytes(), &mut out));
        assert!(!decode_exact(Encoding::Hex, "zz".repeat(32).as_bytes(), &mut out));
        assert!(decode_exact(Encoding::Base64, b"tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=", &mut out));
        assert!(decode_exact(Encoding::Base64, b"tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw", &mut out));
        assert!(!decode_exact(Encoding::Base64, b"tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3", &mut out));
        assert!(!decode_exact(Encoding::Base64, "A".repeat(5000).as_bytes(), &mut out));
    }

    #[test]
    fn splitting_matches_std() {
        let samples: &[&[u8]] = &[
            b"",
            b",",
            b"a",
            b"t=1,v1=ab,,v0=cd,",
            b"  v1,abc   v1a,def\tv2,x\n\x0cv1,y\r ",
            b"v1,0123456789abcdefghijklmnopqrstuvwxyz0123456789 v1,zz",
            b"\x01\x02 a\x1fb \x7f\x80\xff",
        ];
        for &s in samples {
            assert_eq!(items(s, b',').collect::<Vec<_>>(), s.split(|&b| b == b',').collect::<Vec<_>>());
            let std_words: Vec<&[u8]> = s.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty()).collect();
            assert_eq!(words(s).collect::<Vec<_>>(), std_words, "{s:?}");
        }
        assert_eq!(split_once(b"k=v=w", b'='), Some((&b"k"[..], &b"v=w"[..])));
        assert_eq!(split_once(b"kv", b'='), None);
    }

    proptest::proptest! {
        #[test]
        fn words_and_items_match_std(s in proptest::collection::vec(proptest::prop_oneof![
            3 => proptest::sample::select(b"v1,= \t\n\r\x0cab".to_vec()),
            1 => proptest::prelude::any::<u8>(),
        ], 0..100)) {
            let std_words: Vec<&[u8]> = s.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty()).collect();
            proptest::prop_assert_eq!(words(&s).collect::<Vec<_>>(), std_words);
            proptest::prop_assert_eq!(items(&s, b',').collect::<Vec<_>>(), s.split(|&b| b == b',').collect::<Vec<_>>());
            proptest::prop_assert_eq!(find_ascii_whitespace(&s), s.iter().position(u8::is_ascii_whitespace));
        }
    }

    #[test]
    fn mac_eq_is_exact() {
        let a = [7u8; 32];
        let mut b = a;
        assert!(bool::from(mac_eq(&a, &b)));
        for i in 0..32 {
            b[i] ^= 1;
            assert!(!bool::from(mac_eq(&a, &b)));
            b[i] ^= 1;
        }
    }

    proptest::proptest! {
        /// Against `std`'s parse: every run of 1 to 17 digits, and any bytes near digits.
        #[test]
        fn parse_unix_matches_std(t in proptest::collection::vec(proptest::prop_oneof![
            8 => proptest::sample::select(b"0123456789".to_vec()),
            1 => proptest::sample::select(b"/:+- \x00\xff".to_vec()),
            1 => proptest::prelude::any::<u8>(),
        ], 0..18)) {
            let expected = std::str::from_utf8(&t).ok()
                .filter(|s| (1..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
                .map(|s| s.parse::<i64>().unwrap());
            proptest::prop_assert_eq!(parse_unix(&t), expected);
        }
    }

    /// One non-digit byte value in each position of an eight-digit word is refused; the digits
    /// themselves in each position are read.
    #[test]
    fn eight_digits_every_byte_in_every_position() {
        for pos in 0..8 {
            for byte in 0..=255u8 {
                let mut text = *b"31415926";
                text[pos] = byte;
                let (value, ok) = eight_digits(u64::from_le_bytes(text));
                assert_eq!(ok, byte.is_ascii_digit(), "{text:?}");
                if ok {
                    assert_eq!(value, std::str::from_utf8(&text).unwrap().parse::<u64>().unwrap());
                }
            }
        }
    }

    #[test]
    fn unix_and_rfc3339() {
        assert_eq!(parse_unix(b"1614265330"), Some(1614265330));
        assert_eq!(parse_unix(b"999999999999999"), Some(999_999_999_999_999));
        assert_eq!(parse_unix(b"0"), Some(0));
        for bad in [
            "",
            "-1",
            "1e9",
            " 1",
            "9999999999999999",
            "12:",
            "/1",
            "1\u{e9}",
            "\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}",
        ] {
            assert_eq!(parse_unix(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(parse_any_time("2026-04-02T10:30:45.000Z"), Some(1775125845));
        assert_eq!(parse_any_time("1699123456"), Some(1699123456));
        assert_eq!(parse_any_time("yesterday"), None);
    }
}
