//! Typed errors: [`VerifyError`] for a request that is refused, [`ConfigError`] for a
//! configuration that cannot be built.
//!
//! `Display` is precise and meant for logs; it never contains a secret or an expected signature.
//! What goes on the wire is [`VerifyError::body_text`], which is generic.

use std::borrow::Cow;
use std::fmt;

/// Which contract row a refused request falls into, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VerifyErrorKind {
    /// The signature header is absent or empty, or it holds no signature of a supported version (401).
    MissingSignature,
    /// No configured secret produced any of the signatures: wrong secret or altered content (401).
    SignatureMismatch,
    /// The timestamp is older than the tolerance allows (401).
    Stale,
    /// The timestamp is further in the future than the tolerance allows (401).
    Future,
    /// A required header other than the signature (delivery id, timestamp) is missing (400).
    MissingHeader,
    /// A header is present but cannot be parsed: bad hex/base64, bad `t=`/`v1=` list, absurd length (400).
    MalformedHeader,
    /// The same header was sent several times with different values, or a list repeats a key
    /// with different values (400).
    AmbiguousHeader,
    /// The body lacks what the scheme reads from it, e.g. a handshake without its challenge (400).
    MalformedBody,
}

impl VerifyErrorKind {
    /// The HTTP status of the refusal: 401 or 400 (`docs/behaviour.md`).
    pub fn status(self) -> u16 {
        match self {
            Self::MissingSignature | Self::SignatureMismatch | Self::Stale | Self::Future => 401,
            Self::MissingHeader | Self::MalformedHeader | Self::AmbiguousHeader | Self::MalformedBody => 400,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::MissingSignature => "signature missing",
            Self::SignatureMismatch => "signature does not match",
            Self::Stale => "timestamp too old",
            Self::Future => "timestamp too far in the future",
            Self::MissingHeader => "required header missing",
            Self::MalformedHeader => "malformed header",
            Self::AmbiguousHeader => "ambiguous header",
            Self::MalformedBody => "malformed body",
        }
    }
}

/// Why a webhook was refused.
///
/// ```
/// use hookgate_core::{VerifyError, VerifyErrorKind};
///
/// let err = VerifyError::new(VerifyErrorKind::Stale).seconds(420);
/// assert_eq!(err.status(), 401);
/// assert_eq!(err.body_text(), "unauthorized");
/// assert!(err.to_string().contains("420"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyError(Box<Refusal>);

/// What a [`VerifyError`] says, behind one pointer: `Result<_, VerifyError>` then fits in
/// registers on the verification path, where a 64-byte error made every fallible step return
/// through memory.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Refusal {
    kind: VerifyErrorKind,
    header: Option<Box<str>>,
    detail: Option<Cow<'static, str>>,
    seconds: Option<u64>,
}

impl fmt::Debug for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.0;
        f.debug_struct("VerifyError")
            .field("kind", &r.kind)
            .field("header", &r.header)
            .field("detail", &r.detail)
            .field("seconds", &r.seconds)
            .finish()
    }
}

impl VerifyError {
    /// An error of `kind` with no further detail.
    #[cold]
    pub fn new(kind: VerifyErrorKind) -> Self {
        Self(Box::new(Refusal { kind, header: None, detail: None, seconds: None }))
    }

    /// Names the header concerned.
    pub fn header(mut self, name: &str) -> Self {
        self.0.header = Some(name.into());
        self
    }

    /// Adds a precise, secret-free explanation for logs.
    pub fn detail(mut self, detail: impl Into<Cow<'static, str>>) -> Self {
        self.0.detail = Some(detail.into());
        self
    }

    /// Records by how many seconds a timestamp was outside the window.
    pub fn seconds(mut self, seconds: u64) -> Self {
        self.0.seconds = Some(seconds);
        self
    }

    /// The kind, which decides the status.
    pub fn kind(&self) -> VerifyErrorKind {
        self.0.kind
    }

    /// The header concerned, when there is one.
    pub fn header_name(&self) -> Option<&str> {
        self.0.header.as_deref()
    }

    /// For [`VerifyErrorKind::Stale`] and [`VerifyErrorKind::Future`]: seconds outside the window.
    pub fn out_of_window_by(&self) -> Option<u64> {
        self.0.seconds
    }

    /// 401 or 400, per the contract.
    pub fn status(&self) -> u16 {
        self.0.kind.status()
    }

    /// The generic text for the response body; never says which check failed.
    pub fn body_text(&self) -> &'static str {
        match self.status() {
            401 => "unauthorized",
            _ => "bad request",
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.0;
        f.write_str(r.kind.describe())?;
        if let Some(h) = &r.header {
            write!(f, " ({h})")?;
        }
        if let Some(s) = r.seconds {
            write!(f, " by {s} s")?;
        }
        if let Some(d) = &r.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyError {}

/// What is wrong with a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// No preset has this name.
    UnknownPreset,
    /// A secret is empty, or cannot be decoded (`whsec_`/`whpk_` base64).
    InvalidSecret,
    /// No secret was given.
    NoSecret,
    /// A custom scheme is incomplete or contradicts itself.
    InvalidScheme,
    /// A value is out of range (a zero capacity, a zero body limit, ...).
    InvalidValue,
}

/// A configuration that cannot be built; returned at build time, never later.
///
/// ```
/// let err = hookgate_core::Preset::from_name("nope").unwrap_err();
/// assert_eq!(err.kind(), hookgate_core::ConfigErrorKind::UnknownPreset);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    kind: ConfigErrorKind,
    message: Cow<'static, str>,
}

impl ConfigError {
    /// A configuration error of `kind`; `message` must not contain a secret.
    pub fn new(kind: ConfigErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self { kind, message: message.into() }
    }

    /// What kind of problem it is.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }
}
