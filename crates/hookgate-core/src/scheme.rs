//! A signature scheme described by parts. Every preset is one of these, and so is a `custom`
//! scheme: one engine verifies (and signs) them all.

use std::borrow::Cow;
use std::fmt;

use crate::error::{ConfigError, ConfigErrorKind};
use crate::secret::SecretFormat;
use crate::verify::FieldPath;

/// How the signature header's value is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureSyntax {
    /// One encoded MAC, after a fixed prefix such as `sha256=` or `v0=` (may be empty).
    Single {
        /// The text before the MAC.
        prefix: Cow<'static, str>,
        /// When false, a value without the prefix is accepted too (what some providers' own
        /// verification code does).
        prefix_required: bool,
    },
    /// Comma-separated `key=value` pairs: one timestamp entry and one or more signature entries;
    /// other keys (older or newer versions) are ignored, so nobody can downgrade.
    Params {
        /// The key of the timestamp entry, e.g. `t`.
        timestamp_key: Cow<'static, str>,
        /// The key of each signature entry, e.g. `v1`.
        signature_key: Cow<'static, str>,
    },
    /// Space-separated `version,value` entries (Standard Webhooks): `v1` is HMAC-SHA256,
    /// `v1a` is Ed25519; other versions are ignored.
    VersionedList,
}

/// How a MAC is written in the header.
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
    /// Fixed text, such as `.` or `v0:`.
    Literal(Cow<'static, str>),
}

/// What is signed: a template of [`ContentPart`]s with exactly one body.
///
/// ```
/// use hookgate_core::SignedContent;
/// let t = SignedContent::parse("{id}.{timestamp}.{body}").unwrap();
/// assert_eq!(t.to_string(), "{id}.{timestamp}.{body}");
/// assert!(SignedContent::parse("{timestamp}").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedContent(Vec<ContentPart>);

impl SignedContent {
    /// Parses a template such as `v0:{timestamp}:{body}`. Placeholders: `{id}`, `{timestamp}`,
    /// `{body}` (exactly once).
    pub fn parse(template: &str) -> Result<Self, ConfigError> {
        let mut parts = Vec::new();
        let mut rest = template;
        while !rest.is_empty() {
            if let Some(open) = rest.find('{') {
                if open > 0 {
                    parts.push(ContentPart::Literal(rest[..open].to_owned().into()));
                }
                let close = rest[open..].find('}').ok_or_else(|| bad_template(template, "unclosed `{`"))?;
                parts.push(match &rest[open + 1..open + close] {
                    "id" => ContentPart::Id,
                    "timestamp" => ContentPart::Timestamp,
                    "body" => ContentPart::Body,
                    _ => return Err(bad_template(template, "unknown placeholder (use {id}, {timestamp}, {body})")),
                });
                rest = &rest[open + close + 1..];
            } else {
                parts.push(ContentPart::Literal(rest.to_owned().into()));
                rest = "";
            }
        }
        Self::from_parts(parts).map_err(|_| bad_template(template, "needs exactly one {body}"))
    }

    /// From parts; exactly one [`ContentPart::Body`] is required.
    pub fn from_parts(parts: Vec<ContentPart>) -> Result<Self, ConfigError> {
        if parts.iter().filter(|p| **p == ContentPart::Body).count() != 1 {
            return Err(ConfigError::new(ConfigErrorKind::InvalidScheme, "signed content needs exactly one {body}"));
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
    /// A header holding Unix seconds.
    Header(Cow<'static, str>),
    /// The timestamp entry of a [`SignatureSyntax::Params`] header (`t=`).
    SignatureParam,
    /// A body field: Unix seconds or RFC 3339 text. Reported, never enforced (it is only read
    /// after the signature has been checked).
    BodyField(FieldPath),
}

/// Where the delivery id (the idempotency key) comes from. With none, or when a body field is
/// absent, the key is `sha256:<hex>` of the signed content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdSource {
    /// A header the provider always sends; missing is a 400.
    Header(Cow<'static, str>),
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
    pub(crate) signature_header: Cow<'static, str>,
    pub(crate) syntax: SignatureSyntax,
    pub(crate) encoding: Encoding,
    pub(crate) content: SignedContent,
    pub(crate) secret_format: SecretFormat,
    pub(crate) timestamp: TimestampSource,
    pub(crate) enforce_timestamp: bool,
    pub(crate) id: IdSource,
    pub(crate) event_type: EventTypeSource,
}

impl Scheme {
    /// Starts a scheme called `name`.
    pub fn builder(name: impl Into<Cow<'static, str>>) -> SchemeBuilder {
        SchemeBuilder {
            name: name.into(),
            signature_header: None,
            syntax: SignatureSyntax::Single { prefix: "".into(), prefix_required: true },
            encoding: Encoding::Hex,
            content: SignedContent(vec![ContentPart::Body]),
            secret_format: SecretFormat::Raw,
            timestamp: TimestampSource::None,
            enforce_timestamp: true,
            id: IdSource::Digest,
            event_type: EventTypeSource::None,
        }
    }

    /// The scheme's name (the preset's kebab-case name).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The signature header, lowercase.
    pub fn signature_header(&self) -> &str {
        &self.signature_header
    }
    /// The signature header's syntax.
    pub fn syntax(&self) -> &SignatureSyntax {
        &self.syntax
    }
    /// The MAC encoding.
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
    /// Whether the timestamp is checked against the replay window.
    pub fn enforces_timestamp(&self) -> bool {
        self.enforce_timestamp && matches!(self.timestamp, TimestampSource::Header(_) | TimestampSource::SignatureParam)
    }
    /// Where the delivery id comes from.
    pub fn id_source(&self) -> &IdSource {
        &self.id
    }
    /// Where the event type comes from.
    pub fn event_type_source(&self) -> &EventTypeSource {
        &self.event_type
    }
}

/// Builds a [`Scheme`]; [`SchemeBuilder::build`] checks that the parts fit together.
#[derive(Debug, Clone)]
#[must_use]
pub struct SchemeBuilder {
    name: Cow<'static, str>,
    signature_header: Option<Cow<'static, str>>,
    syntax: SignatureSyntax,
    encoding: Encoding,
    content: SignedContent,
    secret_format: SecretFormat,
    timestamp: TimestampSource,
    enforce_timestamp: bool,
    id: IdSource,
    event_type: EventTypeSource,
}

fn lower(name: Cow<'static, str>) -> Cow<'static, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) { Cow::Owned(name.to_ascii_lowercase()) } else { name }
}

impl SchemeBuilder {
    /// The header that carries the signature (any case).
    pub fn signature_header(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.signature_header = Some(lower(name.into()));
        self
    }
    /// The header's syntax. Default: a bare MAC.
    pub fn syntax(mut self, syntax: SignatureSyntax) -> Self {
        self.syntax = syntax;
        self
    }
    /// The MAC encoding. Default: hex.
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }
    /// What is signed. Default: the body alone.
    pub fn signed_content(mut self, content: SignedContent) -> Self {
        self.content = content;
        self
    }
    /// What is signed, as a template such as `{timestamp}.{body}`.
    pub fn signed_content_template(self, template: &str) -> Result<Self, ConfigError> {
        Ok(self.signed_content(SignedContent::parse(template)?))
    }
    /// How secrets are decoded. Default: raw bytes.
    pub fn secret_format(mut self, format: SecretFormat) -> Self {
        self.secret_format = format;
        self
    }
    /// Where the timestamp comes from. Default: none.
    pub fn timestamp(mut self, source: TimestampSource) -> Self {
        self.timestamp = match source {
            TimestampSource::Header(h) => TimestampSource::Header(lower(h)),
            other => other,
        };
        self
    }
    /// Whether a header or `t=` timestamp is checked against the replay window. Default: true.
    pub fn enforce_timestamp(mut self, enforce: bool) -> Self {
        self.enforce_timestamp = enforce;
        self
    }
    /// Where the delivery id comes from. Default: the digest.
    pub fn id(mut self, source: IdSource) -> Self {
        self.id = match source {
            IdSource::Header(h) => IdSource::Header(lower(h)),
            other => other,
        };
        self
    }
    /// Where the event type comes from. Default: unknown.
    pub fn event_type(mut self, source: EventTypeSource) -> Self {
        self.event_type = match source {
            EventTypeSource::Header(h) => EventTypeSource::Header(lower(h)),
            other => other,
        };
        self
    }

    /// Checks the parts and builds the scheme.
    pub fn build(self) -> Result<Scheme, ConfigError> {
        let invalid =
            |why: String| ConfigError::new(ConfigErrorKind::InvalidScheme, format!("scheme `{}`: {why}", self.name));
        let signature_header = self.signature_header.clone().ok_or_else(|| invalid("no signature header".into()))?;
        for h in [Some(&signature_header), header_of_ts(&self.timestamp), header_of_id(&self.id)].into_iter().flatten()
        {
            if h.is_empty() || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)) {
                return Err(invalid(format!("`{h}` is not a valid header name")));
            }
        }
        let params = matches!(self.syntax, SignatureSyntax::Params { .. });
        if params != (self.timestamp == TimestampSource::SignatureParam) {
            return Err(invalid("a `key=value` signature list and a `t=`-style timestamp go together".into()));
        }
        if let SignatureSyntax::Params { timestamp_key, signature_key } = &self.syntax {
            if timestamp_key.is_empty() || signature_key.is_empty() || timestamp_key == signature_key {
                return Err(invalid("timestamp and signature keys must be distinct and non-empty".into()));
            }
        }
        if self.content.uses(&ContentPart::Timestamp)
            && !matches!(self.timestamp, TimestampSource::Header(_) | TimestampSource::SignatureParam)
        {
            return Err(invalid("{timestamp} is signed, so the timestamp must come from a header or `t=`".into()));
        }
        if self.content.uses(&ContentPart::Id) && !matches!(self.id, IdSource::Header(_)) {
            return Err(invalid("{id} is signed, so the id must come from a header".into()));
        }
        Ok(Scheme {
            name: self.name,
            signature_header,
            syntax: self.syntax,
            encoding: self.encoding,
            content: self.content,
            secret_format: self.secret_format,
            timestamp: self.timestamp,
            enforce_timestamp: self.enforce_timestamp,
            id: self.id,
            event_type: self.event_type,
        })
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
        IdSource::Header(h) => Some(h),
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
        for t in ["", "{body}{body}", "{nope}{body}", "{body", "abc"] {
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
            b().syntax(SignatureSyntax::Params { timestamp_key: "t".into(), signature_key: "t".into() })
                .timestamp(TimestampSource::SignatureParam)
                .build()
                .is_err()
        );
    }
}
