//! A signature scheme described by parts. Every preset is one of these, and so is a `custom`
//! scheme: one engine verifies (and signs) them all.

use std::borrow::Cow;
use std::fmt;

use crate::error::{ConfigError, ConfigErrorKind};
use crate::handshake::Handshake;
use crate::secret::SecretFormat;
use crate::verify::FieldPath;

/// What a signature is made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA1 (Twilio, Intercom, Vercel): a 20-byte tag.
    HmacSha1,
    /// HMAC-SHA256, the common case: a 32-byte tag.
    HmacSha256,
    /// HMAC-SHA512: a 64-byte tag.
    HmacSha512,
    /// Ed25519 signatures, checked with the sender's public key (Discord, Standard Webhooks `v1a`).
    Ed25519,
    /// ECDSA P-256 with SHA-256, DER-encoded signatures, checked with the sender's public key
    /// (SendGrid).
    EcdsaP256,
    /// No signature: the header carries a shared token, compared in constant time (GitLab). The
    /// body is not covered by anything.
    Token,
}

impl Algorithm {
    /// The name used in configuration and by `hookgate providers`: `hmac-sha256`, `ed25519`, ...
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha1 => "hmac-sha1",
            Algorithm::HmacSha256 => "hmac-sha256",
            Algorithm::HmacSha512 => "hmac-sha512",
            Algorithm::Ed25519 => "ed25519",
            Algorithm::EcdsaP256 => "ecdsa-p256",
            Algorithm::Token => "token",
        }
    }

    /// Looks an algorithm up by [`Self::name`].
    ///
    /// ```
    /// use hookgate_core::Algorithm;
    /// assert_eq!(Algorithm::from_name("hmac-sha1"), Some(Algorithm::HmacSha1));
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::HmacSha1, Self::HmacSha256, Self::HmacSha512, Self::Ed25519, Self::EcdsaP256, Self::Token]
            .into_iter()
            .find(|a| a.name() == name)
    }

    /// The length of an HMAC tag, for HMAC algorithms.
    pub(crate) fn tag_len(self) -> Option<usize> {
        match self {
            Algorithm::HmacSha1 => Some(20),
            Algorithm::HmacSha256 => Some(32),
            Algorithm::HmacSha512 => Some(64),
            _ => None,
        }
    }
}

/// How the signature header's value is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureSyntax {
    /// One encoded signature, after a fixed prefix such as `sha256=` or `v0=` (may be empty).
    Single {
        /// The text before the signature.
        prefix: Cow<'static, str>,
        /// When false, a value without the prefix is accepted too (what some providers' own
        /// verification code does).
        prefix_required: bool,
    },
    /// `key=value` pairs separated by `separator` (`,` for Stripe, `;` for Paddle): at most one
    /// timestamp entry and one or more signature entries; other keys (older or newer versions)
    /// are ignored, so nobody can downgrade.
    Params {
        /// The key of the timestamp entry, e.g. `t`; `None` when the list carries only signatures
        /// (PagerDuty's `v1=..,v1=..`).
        timestamp_key: Option<Cow<'static, str>>,
        /// The key of each signature entry, e.g. `v1`.
        signature_key: Cow<'static, str>,
        /// What separates the entries.
        separator: char,
    },
    /// Space-separated `version,value` entries (Standard Webhooks): `v1` is HMAC-SHA256,
    /// `v1a` is Ed25519; other versions are ignored.
    VersionedList,
}

impl SignatureSyntax {
    /// A comma-separated `t=<unix>,v1=<mac>` list (Stripe's layout) with these keys.
    ///
    /// ```
    /// use hookgate_core::SignatureSyntax;
    /// let s = SignatureSyntax::params("t", "v1");
    /// assert!(matches!(s, SignatureSyntax::Params { separator: ',', .. }));
    /// ```
    pub fn params(timestamp_key: &'static str, signature_key: &'static str) -> Self {
        SignatureSyntax::Params {
            timestamp_key: Some(timestamp_key.into()),
            signature_key: signature_key.into(),
            separator: ',',
        }
    }
}

/// How a signature is written in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoding {
    /// Lower- or upper-case hexadecimal.
    Hex,
    /// Standard base64, padding optional.
    Base64,
}

/// One piece of the signed content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentPart {
    /// The delivery id, exactly as sent in its header.
    Id,
    /// The timestamp, exactly as sent (header or `t=` entry).
    Timestamp,
    /// The raw body bytes.
    Body,
    /// The request method, e.g. `POST`.
    Method,
    /// The full URL the provider called (`https://host/path?query`): see the endpoint's
    /// `public_url` and `trust_forwarded`.
    Url,
    /// The form-encoded body's parameters sorted by name, each written as name then value,
    /// decoded (Twilio).
    FormParams,
    /// A field of the JSON body, as text (Mailgun signs two of them).
    Field(FieldPath),
    /// Fixed text, such as `.` or `v0:`.
    Literal(Cow<'static, str>),
}

/// What is signed: a template of [`ContentPart`]s that covers the request (its body, its form
/// parameters or fields of its body).
///
/// ```
/// use hookgate_core::SignedContent;
/// let t = SignedContent::parse("{id}.{timestamp}.{body}").unwrap();
/// assert_eq!(t.to_string(), "{id}.{timestamp}.{body}");
/// assert_eq!(SignedContent::parse("{url}{form}").unwrap().to_string(), "{url}{form}");
/// assert!(SignedContent::parse("{timestamp}").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedContent(Vec<ContentPart>);

impl SignedContent {
    /// Parses a template such as `v0:{timestamp}:{body}`. Placeholders: `{id}`, `{timestamp}`,
    /// `{body}`, `{method}`, `{url}`, `{form}` (sorted form parameters), `{field:a.b}` (a JSON
    /// body field). At least one of `{body}`, `{form}` or a `{field:..}`.
    pub fn parse(template: &str) -> Result<Self, ConfigError> {
        let mut parts = Vec::new();
        let mut rest = template;
        while !rest.is_empty() {
            let Some(open) = rest.find('{') else {
                parts.push(ContentPart::Literal(rest.to_owned().into()));
                break;
            };
            if open > 0 {
                parts.push(ContentPart::Literal(rest[..open].to_owned().into()));
            }
            let close = rest[open..].find('}').ok_or_else(|| bad_template(template, "unclosed `{`"))?;
            let name = &rest[open + 1..open + close];
            parts.push(match name {
                "id" => ContentPart::Id,
                "timestamp" => ContentPart::Timestamp,
                "body" => ContentPart::Body,
                "method" => ContentPart::Method,
                "url" => ContentPart::Url,
                "form" => ContentPart::FormParams,
                _ => match name.strip_prefix("field:").and_then(FieldPath::parse) {
                    Some(path) => ContentPart::Field(path),
                    None => {
                        return Err(bad_template(
                            template,
                            "unknown placeholder (use {id}, {timestamp}, {body}, {method}, {url}, {form}, {field:a.b})",
                        ));
                    }
                },
            });
            rest = &rest[open + close + 1..];
        }
        Self::from_parts(parts).map_err(|_| bad_template(template, "needs {body} once, or {form}, or a {field:..}"))
    }

    /// From parts: the body at most once, and something of the request (body, form parameters or
    /// a body field).
    pub fn from_parts(parts: Vec<ContentPart>) -> Result<Self, ConfigError> {
        let bodies = parts.iter().filter(|p| **p == ContentPart::Body).count();
        let covers =
            parts.iter().any(|p| matches!(p, ContentPart::Body | ContentPart::FormParams | ContentPart::Field(_)));
        if bodies > 1 || !covers {
            return Err(ConfigError::new(
                ConfigErrorKind::InvalidScheme,
                "signed content needs {body} once, or {form}, or a {field:..}",
            ));
        }
        Ok(Self(parts))
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[ContentPart] {
        &self.0
    }

    pub(crate) fn uses(&self, part: &ContentPart) -> bool {
        self.0.contains(part)
    }

    pub(crate) fn fields(&self) -> impl Iterator<Item = &FieldPath> {
        self.0.iter().filter_map(|p| match p {
            ContentPart::Field(f) => Some(f),
            _ => None,
        })
    }
}

fn bad_template(t: &str, why: &str) -> ConfigError {
    ConfigError::new(ConfigErrorKind::InvalidScheme, format!("signed content template `{t}`: {why}"))
}

impl fmt::Display for SignedContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            match p {
                ContentPart::Id => f.write_str("{id}")?,
                ContentPart::Timestamp => f.write_str("{timestamp}")?,
                ContentPart::Body => f.write_str("{body}")?,
                ContentPart::Method => f.write_str("{method}")?,
                ContentPart::Url => f.write_str("{url}")?,
                ContentPart::FormParams => f.write_str("{form}")?,
                ContentPart::Field(path) => write!(f, "{{field:{path}}}")?,
                ContentPart::Literal(l) => f.write_str(l)?,
            }
        }
        Ok(())
    }
}

/// Where the webhook's timestamp comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimestampSource {
    /// The scheme has no timestamp.
    None,
    /// A header.
    Header(Cow<'static, str>),
    /// The timestamp entry of a [`SignatureSyntax::Params`] header (`t=`).
    SignatureParam,
    /// A body field. Checked against the replay window after the signature (when enforced).
    BodyField(FieldPath),
}

/// How a timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimestampFormat {
    /// Unix seconds (in a body field, RFC 3339 text is read too).
    UnixSeconds,
    /// Unix milliseconds (HubSpot, WorkOS, Linear).
    UnixMillis,
    /// RFC 3339 text, e.g. `2026-01-01T00:00:00.123Z` (Twitch, Zendesk).
    Rfc3339,
}

/// Where the delivery id (the idempotency key) comes from. With none, or when a body field is
/// absent, the key is `sha256:<hex>` of the signed content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdSource {
    /// A header the provider always sends; missing is a 400.
    Header(Cow<'static, str>),
    /// A header used when present (providers that send it only sometimes).
    OptionalHeader(Cow<'static, str>),
    /// A body field, used when present.
    BodyField(FieldPath),
    /// Always the digest of the signed content.
    Digest,
}

/// Where the event type comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventTypeSource {
    /// Not known.
    None,
    /// A header.
    Header(Cow<'static, str>),
    /// The first of these body fields that is present.
    BodyFields(Vec<FieldPath>),
}

/// A complete signature scheme. Build one with [`Scheme::builder`] or take a preset's.
///
/// ```
/// use hookgate_core::{Encoding, Scheme, SignatureSyntax, TimestampSource, IdSource};
///
/// let scheme = Scheme::builder("acme")
///     .signature_header("X-Acme-Signature")
///     .syntax(SignatureSyntax::Single { prefix: "sha256=".into(), prefix_required: true })
///     .encoding(Encoding::Hex)
///     .signed_content_template("{timestamp}.{body}").unwrap()
///     .timestamp(TimestampSource::Header("X-Acme-Timestamp".into()))
///     .id(IdSource::Header("X-Acme-Delivery".into()))
///     .build()
///     .unwrap();
/// assert_eq!(scheme.signature_header(), "x-acme-signature");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    pub(crate) name: Cow<'static, str>,
    pub(crate) algorithm: Algorithm,
    pub(crate) signature_header: Cow<'static, str>,
    pub(crate) signature_field: Option<FieldPath>,
    pub(crate) syntax: SignatureSyntax,
    pub(crate) encoding: Encoding,
    pub(crate) content: SignedContent,
    pub(crate) secret_format: SecretFormat,
    pub(crate) timestamp: TimestampSource,
    pub(crate) timestamp_format: TimestampFormat,
    pub(crate) enforce_timestamp: bool,
    pub(crate) id: IdSource,
    pub(crate) event_type: EventTypeSource,
    pub(crate) handshake: Option<Handshake>,
}

impl Scheme {
    /// Starts a scheme called `name`: by default HMAC-SHA256, hex, of the body alone, with a raw
    /// secret, no timestamp and the digest as id.
    pub fn builder(name: impl Into<Cow<'static, str>>) -> SchemeBuilder {
        SchemeBuilder {
            scheme: Scheme {
                name: name.into(),
                algorithm: Algorithm::HmacSha256,
                signature_header: Cow::Borrowed(""),
                signature_field: None,
                syntax: SignatureSyntax::Single { prefix: "".into(), prefix_required: true },
                encoding: Encoding::Hex,
                content: SignedContent(vec![ContentPart::Body]),
                secret_format: SecretFormat::Raw,
                timestamp: TimestampSource::None,
                timestamp_format: TimestampFormat::UnixSeconds,
                enforce_timestamp: true,
                id: IdSource::Digest,
                event_type: EventTypeSource::None,
                handshake: None,
            },
        }
    }

    /// The scheme's name (the preset's kebab-case name).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// What signatures are made with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
    /// The signature header, lowercase; empty when the signature is a body field
    /// ([`Self::signature_field`]).
    pub fn signature_header(&self) -> &str {
        &self.signature_header
    }
    /// The body field that carries the signature, for schemes that sign inside the body (Mailgun).
    pub fn signature_field(&self) -> Option<&FieldPath> {
        self.signature_field.as_ref()
    }
    /// Where the signature is, for messages: the header's name or `body field a.b`.
    pub fn signature_location(&self) -> String {
        match &self.signature_field {
            Some(f) => format!("body field {f}"),
            None => self.signature_header.to_string(),
        }
    }
    /// The signature header's syntax.
    pub fn syntax(&self) -> &SignatureSyntax {
        &self.syntax
    }
    /// The signature encoding.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }
    /// What is signed.
    pub fn signed_content(&self) -> &SignedContent {
        &self.content
    }
    /// How secrets are decoded.
    pub fn secret_format(&self) -> SecretFormat {
        self.secret_format
    }
    /// Where the timestamp comes from.
    pub fn timestamp_source(&self) -> &TimestampSource {
        &self.timestamp
    }
    /// How the timestamp is written.
    pub fn timestamp_format(&self) -> TimestampFormat {
        self.timestamp_format
    }
    /// Whether the timestamp is checked against the replay window.
    pub fn enforces_timestamp(&self) -> bool {
        self.enforce_timestamp && self.timestamp != TimestampSource::None
    }
    /// Where the delivery id comes from.
    pub fn id_source(&self) -> &IdSource {
        &self.id
    }
    /// Where the event type comes from.
    pub fn event_type_source(&self) -> &EventTypeSource {
        &self.event_type
    }
    /// The provider's handshake, answered by the core, if it has one.
    pub fn handshake(&self) -> Option<Handshake> {
        self.handshake
    }
    /// Whether the signed content includes the request URL (the endpoint then needs its public
    /// URL, or to trust `X-Forwarded-*` headers).
    pub fn signs_url(&self) -> bool {
        self.content.uses(&ContentPart::Url) && self.algorithm != Algorithm::Token
    }
}

/// Builds a [`Scheme`]; [`SchemeBuilder::build`] checks that the parts fit together.
#[derive(Debug, Clone)]
#[must_use]
pub struct SchemeBuilder {
    scheme: Scheme,
}

fn lower(name: Cow<'static, str>) -> Cow<'static, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) { Cow::Owned(name.to_ascii_lowercase()) } else { name }
}

impl SchemeBuilder {
    /// What signatures are made with. Default: HMAC-SHA256.
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.scheme.algorithm = algorithm;
        self
    }
    /// The header that carries the signature (any case).
    pub fn signature_header(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.scheme.signature_header = lower(name.into());
        self
    }
    /// The signature is this body field instead of a header (Mailgun).
    pub fn signature_field(mut self, path: FieldPath) -> Self {
        self.scheme.signature_field = Some(path);
        self
    }
    /// The header's syntax. Default: a bare signature.
    pub fn syntax(mut self, syntax: SignatureSyntax) -> Self {
        self.scheme.syntax = syntax;
        self
    }
    /// The signature encoding. Default: hex.
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.scheme.encoding = encoding;
        self
    }
    /// What is signed. Default: the body alone.
    pub fn signed_content(mut self, content: SignedContent) -> Self {
        self.scheme.content = content;
        self
    }
    /// What is signed, as a template such as `{timestamp}.{body}`.
    pub fn signed_content_template(self, template: &str) -> Result<Self, ConfigError> {
        Ok(self.signed_content(SignedContent::parse(template)?))
    }
    /// How secrets are decoded. Default: raw bytes.
    pub fn secret_format(mut self, format: SecretFormat) -> Self {
        self.scheme.secret_format = format;
        self
    }
    /// Where the timestamp comes from. Default: none.
    pub fn timestamp(mut self, source: TimestampSource) -> Self {
        self.scheme.timestamp = match source {
            TimestampSource::Header(h) => TimestampSource::Header(lower(h)),
            other => other,
        };
        self
    }
    /// How the timestamp is written. Default: Unix seconds.
    pub fn timestamp_format(mut self, format: TimestampFormat) -> Self {
        self.scheme.timestamp_format = format;
        self
    }
    /// Whether the timestamp is checked against the replay window. Default: true.
    pub fn enforce_timestamp(mut self, enforce: bool) -> Self {
        self.scheme.enforce_timestamp = enforce;
        self
    }
    /// Where the delivery id comes from. Default: the digest.
    pub fn id(mut self, source: IdSource) -> Self {
        self.scheme.id = match source {
            IdSource::Header(h) => IdSource::Header(lower(h)),
            IdSource::OptionalHeader(h) => IdSource::OptionalHeader(lower(h)),
            other => other,
        };
        self
    }
    /// Where the event type comes from. Default: unknown.
    pub fn event_type(mut self, source: EventTypeSource) -> Self {
        self.scheme.event_type = match source {
            EventTypeSource::Header(h) => EventTypeSource::Header(lower(h)),
            other => other,
        };
        self
    }
    /// The provider's handshake, answered by the core. Default: none.
    pub fn handshake(mut self, handshake: Handshake) -> Self {
        self.scheme.handshake = Some(handshake);
        self
    }

    /// Checks the parts and builds the scheme.
    pub fn build(self) -> Result<Scheme, ConfigError> {
        let s = self.scheme;
        let invalid =
            |why: &str| ConfigError::new(ConfigErrorKind::InvalidScheme, format!("scheme `{}`: {why}", s.name));
        match (&s.signature_field, s.signature_header.is_empty()) {
            (None, true) => return Err(invalid("no signature header")),
            (Some(_), false) => return Err(invalid("the signature is either a header or a body field, not both")),
            _ => {}
        }
        let headers = [header_of_ts(&s.timestamp), header_of_id(&s.id), header_of_event(&s.event_type)];
        for h in std::iter::once(&s.signature_header).filter(|h| !h.is_empty()).chain(headers.into_iter().flatten()) {
            if h.is_empty() || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)) {
                return Err(invalid(&format!("`{h}` is not a valid header name")));
            }
        }
        let ts_key = matches!(s.syntax, SignatureSyntax::Params { timestamp_key: Some(_), .. });
        if ts_key != (s.timestamp == TimestampSource::SignatureParam) {
            return Err(invalid("a `t=` entry in the signature list and a `t=`-style timestamp go together"));
        }
        if let SignatureSyntax::Params { timestamp_key, signature_key, separator } = &s.syntax {
            if signature_key.is_empty()
                || timestamp_key.as_ref().is_some_and(|t| t.is_empty() || t == signature_key)
                || *separator == '='
            {
                return Err(invalid("timestamp and signature keys must be distinct and non-empty"));
            }
        }
        if s.content.uses(&ContentPart::Timestamp)
            && !matches!(s.timestamp, TimestampSource::Header(_) | TimestampSource::SignatureParam)
        {
            return Err(invalid("{timestamp} is signed, so the timestamp must come from a header or `t=`"));
        }
        if s.content.uses(&ContentPart::Id) && !matches!(s.id, IdSource::Header(_)) {
            return Err(invalid("{id} is signed, so the id must come from a header that is always sent"));
        }
        let versioned = s.syntax == SignatureSyntax::VersionedList;
        let fits = match s.algorithm {
            Algorithm::HmacSha256 => true,
            Algorithm::HmacSha1 | Algorithm::HmacSha512 => !versioned,
            Algorithm::Ed25519 => s.signature_field.is_none(),
            Algorithm::EcdsaP256 => s.signature_field.is_none() && !versioned && s.encoding == Encoding::Base64,
            Algorithm::Token => s.signature_field.is_none() && matches!(s.syntax, SignatureSyntax::Single { .. }),
        };
        if !fits {
            return Err(invalid(&format!("{} does not fit this signature layout", s.algorithm.name())));
        }
        let paths = s.content.fields().count()
            + usize::from(s.signature_field.is_some())
            + usize::from(matches!(s.id, IdSource::BodyField(_)))
            + usize::from(matches!(s.timestamp, TimestampSource::BodyField(_)))
            + match &s.event_type {
                EventTypeSource::BodyFields(f) => f.len(),
                _ => 0,
            };
        if paths > crate::verify::MAX_BODY_FIELDS {
            return Err(invalid(&format!("reads more than {} body fields", crate::verify::MAX_BODY_FIELDS)));
        }
        Ok(s)
    }
}

fn header_of_ts(t: &TimestampSource) -> Option<&Cow<'static, str>> {
    match t {
        TimestampSource::Header(h) => Some(h),
        _ => None,
    }
}

fn header_of_id(t: &IdSource) -> Option<&Cow<'static, str>> {
    match t {
        IdSource::Header(h) | IdSource::OptionalHeader(h) => Some(h),
        _ => None,
    }
}

fn header_of_event(t: &EventTypeSource) -> Option<&Cow<'static, str>> {
    match t {
        EventTypeSource::Header(h) => Some(h),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_round_trip_and_errors() {
        for t in ["{body}", "v0:{timestamp}:{body}", "{id}.{timestamp}.{body}", "{body}\n"] {
            assert_eq!(SignedContent::parse(t).unwrap().to_string(), t);
        }
        for t in ["", "{body}{body}", "{nope}{body}", "{body", "abc", "{url}", "{field:}{body}"] {
            assert!(SignedContent::parse(t).is_err(), "{t}");
        }
    }

    #[test]
    fn builder_rejects_contradictions() {
        let b = || Scheme::builder("x").signature_header("x-sig");
        assert!(b().build().is_ok());
        assert!(Scheme::builder("x").build().is_err());
        assert!(b().signature_header("bad header").build().is_err());
        assert!(b().signed_content_template("{timestamp}.{body}").unwrap().build().is_err());
        assert!(b().signed_content_template("{id}.{body}").unwrap().build().is_err());
        assert!(b().timestamp(TimestampSource::SignatureParam).build().is_err());
        assert!(
            b().syntax(SignatureSyntax::params("t", "t")).timestamp(TimestampSource::SignatureParam).build().is_err()
        );
    }
}
