//! One framework-agnostic request flow: method → size → verify → claim → hand-off (or the
//! handler) → finish, ending in an [`Outcome`] that maps onto one row of the response table
//! (`docs/behaviour.md`). Adapters only turn a framework request into [`Endpoint::quick_ack`] or
//! [`Endpoint::handle`], and the outcome into a response.

mod claim;
mod flow;
mod outcome;

use std::sync::Arc;
use std::time::Duration;

pub use flow::{FullBody, Head, RequestHead, full_body};
pub use outcome::Outcome;

use crate::error::{ConfigError, ConfigErrorKind};
use crate::idempotency::{IdempotencyStore, MemoryStore};
use crate::providers::Preset;
use crate::replay::{Clock, SystemClock};
use crate::scheme::Scheme;
use crate::verify::Verifier;

/// One webhook endpoint: its verifier, idempotency store and limits. Cheap to clone.
///
/// The common case is one line: [`Endpoint::preset`]. [`Endpoint::builder`] sets the store, the
/// limits and the replay window.
///
/// ```
/// use hookgate_core::{Endpoint, Preset, TestRequest};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let endpoint = Endpoint::preset(Preset::Github, &["s3cret"]).unwrap();
/// let (tx, mut rx) = hookgate_core::channel(16);
///
/// let req = TestRequest::signed(Preset::Github, "s3cret", r#"{"zen":"Keep it logically awesome."}"#)
///     .id("d-1")
///     .event_type("ping");
/// let outcome = endpoint.quick_ack(&req, req.body(), &tx).await;
/// assert_eq!(outcome.status(), 202);
/// assert_eq!(rx.recv().await.unwrap().metadata().event_type(), Some("ping"));
///
/// // The sender retries: 200 + Hookgate-Duplicate, nothing handed off twice.
/// assert_eq!(endpoint.quick_ack(&req, req.body(), &tx).await.status(), 200);
/// assert!(rx.try_recv().is_err());
/// # });
/// ```
pub struct Endpoint<St = MemoryStore> {
    inner: Arc<Inner<St>>,
}

impl<St> Clone for Endpoint<St> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

struct Inner<St> {
    name: Arc<str>,
    provider: Arc<str>,
    verifier: Verifier,
    store: Arc<St>,
    lease: Duration,
    ttl: Duration,
    max_body_bytes: usize,
    retry_after: Duration,
    sink_timeout: Duration,
    clock: Arc<dyn Clock>,
    public_url: Option<Arc<str>>,
    trust_forwarded: bool,
    /// SHA-256 of the verify token of a GET handshake (Meta), compared in constant time.
    verify_token: Option<[u8; 32]>,
}

impl<St> std::fmt::Debug for Endpoint<St> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.inner.name)
            .field("provider", &self.inner.provider)
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// Configures an [`Endpoint`].
#[must_use]
pub struct EndpointBuilder<St> {
    name: String,
    verifier: Verifier,
    store: St,
    lease: Duration,
    ttl: Duration,
    max_body_bytes: usize,
    retry_after: Duration,
    sink_timeout: Duration,
    clock: Arc<dyn Clock>,
    public_url: Option<Arc<str>>,
    trust_forwarded: bool,
    verify_token: Option<[u8; 32]>,
}

/// Checks that an endpoint of `scheme` can know the URL it signs: a `public_url` (an `http://` or
/// `https://` URL), or `trust_forwarded`. Schemes that do not sign the URL need neither.
///
/// ```
/// use hookgate_core::{Preset, check_signed_url};
/// assert!(check_signed_url(&Preset::Twilio.scheme(), None, false).is_err());
/// assert!(check_signed_url(&Preset::Twilio.scheme(), Some("https://h.example.com/tw"), false).is_ok());
/// assert!(check_signed_url(&Preset::Github.scheme(), None, false).is_ok());
/// ```
pub fn check_signed_url(scheme: &Scheme, public_url: Option<&str>, trust_forwarded: bool) -> Result<(), ConfigError> {
    match public_url {
        Some(url) if !(url.starts_with("https://") || url.starts_with("http://")) => Err(ConfigError::new(
            ConfigErrorKind::InvalidValue,
            format!("public_url `{url}` is not an http:// or https:// URL"),
        )),
        None if scheme.signs_url() && !trust_forwarded => Err(ConfigError::new(
            ConfigErrorKind::InvalidValue,
            format!(
                "provider `{}` signs the request URL: set public_url (the URL the provider calls), or trust_forwarded behind a proxy that sets X-Forwarded-Proto/-Host",
                scheme.name()
            ),
        )),
        _ => Ok(()),
    }
}

/// Default body limit: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

impl Endpoint<MemoryStore> {
    /// An endpoint for `preset` with its defaults, named after the preset (the name is the
    /// idempotency namespace: give two endpoints of one preset different names with
    /// [`Self::builder`]).
    ///
    /// ```
    /// use hookgate_core::{Endpoint, Preset};
    /// let endpoint = Endpoint::preset(Preset::Stripe, &["whsec_test"]).unwrap();
    /// assert_eq!(endpoint.name(), "stripe");
    /// ```
    pub fn preset<S: AsRef<str>>(preset: Preset, secrets: &[S]) -> Result<Self, ConfigError> {
        Self::builder(preset.name(), Verifier::for_preset(preset, secrets)?).build()
    }

    /// Starts an endpoint named `name` (its path, usually), with a [`MemoryStore`], a 60 s lease,
    /// a 24 h TTL, a 1 MiB body limit, a 5 s sink timeout and `Retry-After: 5` on 503.
    pub fn builder(name: impl Into<String>, verifier: Verifier) -> EndpointBuilder<MemoryStore> {
        EndpointBuilder {
            name: name.into(),
            verifier,
            store: MemoryStore::new(),
            lease: Duration::from_secs(60),
            ttl: Duration::from_secs(24 * 3600),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            retry_after: Duration::from_secs(5),
            sink_timeout: Duration::from_secs(5),
            clock: Arc::new(SystemClock),
            public_url: None,
            trust_forwarded: false,
            verify_token: None,
        }
    }
}

impl<St: IdempotencyStore> EndpointBuilder<St> {
    /// Uses another idempotency store (shared stores: pass a clone or an `Arc`).
    pub fn store<S2: IdempotencyStore>(self, store: S2) -> EndpointBuilder<S2> {
        EndpointBuilder {
            name: self.name,
            verifier: self.verifier,
            store,
            lease: self.lease,
            ttl: self.ttl,
            max_body_bytes: self.max_body_bytes,
            retry_after: self.retry_after,
            sink_timeout: self.sink_timeout,
            clock: self.clock,
            public_url: self.public_url,
            trust_forwarded: self.trust_forwarded,
            verify_token: self.verify_token,
        }
    }
    /// How long a claim blocks other attempts before it expires (crashed handler). Default 60 s.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }
    /// How long a processed delivery is remembered. Default 24 h.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }
    /// The largest body accepted (413 beyond). Default 1 MiB.
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }
    /// `Retry-After` sent with 503. Default 5 s.
    pub fn retry_after(mut self, d: Duration) -> Self {
        self.retry_after = d;
        self
    }
    /// The replay window (default ±300 s).
    pub fn replay_window(mut self, window: crate::ReplayWindow) -> Self {
        self.verifier = self.verifier.with_window(window);
        self
    }
    /// How long quick-ack waits for the sink to acknowledge an event before answering 503 (the
    /// delivery is then not marked processed). Default 5 s. Timing a sink that does not answer at
    /// once needs tokio's timer in the runtime (`enable_all`, as `#[tokio::main]` does).
    pub fn sink_timeout(mut self, timeout: Duration) -> Self {
        self.sink_timeout = timeout;
        self
    }
    /// The clock for the replay window (inject one in tests).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }
    /// The full URL providers call this endpoint at (`https://hooks.example.com/twilio`), for
    /// schemes that sign the URL (Twilio, Square, HubSpot): what they signed, whatever proxy sits
    /// in between. The request's query string is appended when this URL has none.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into().into());
        self
    }
    /// Rebuild the signed URL from `X-Forwarded-Proto`, `X-Forwarded-Host` (or `Host`) and the
    /// request target. Only behind a proxy that sets those headers itself: a client could
    /// otherwise choose them. Default: false.
    pub fn trust_forwarded(mut self, trust: bool) -> Self {
        self.trust_forwarded = trust;
        self
    }
    /// The verify token of a `GET` subscription handshake (Meta's `hub.verify_token`): the
    /// text you typed in the provider's dashboard.
    pub fn verify_token(mut self, token: &str) -> Self {
        use sha2::Digest as _;
        self.verify_token = Some(sha2::Sha256::digest(token.as_bytes()).into());
        self
    }
    /// Builds the endpoint.
    pub fn build(self) -> Result<Endpoint<St>, ConfigError> {
        let bad = |m: &'static str| Err(ConfigError::new(ConfigErrorKind::InvalidValue, m));
        if self.max_body_bytes == 0 {
            return bad("max_body_bytes must be > 0");
        }
        if self.lease.is_zero() || self.ttl.is_zero() {
            return bad("lease and ttl must be > 0");
        }
        if self.name.is_empty() {
            return bad("endpoint name must not be empty");
        }
        check_signed_url(self.verifier.scheme(), self.public_url.as_deref(), self.trust_forwarded)?;
        if let Some(memory) = (&self.store as &dyn std::any::Any).downcast_ref::<MemoryStore>() {
            memory.serve(&self.name);
        }
        Ok(Endpoint {
            inner: Arc::new(Inner {
                name: self.name.into(),
                provider: self.verifier.scheme().name().into(),
                verifier: self.verifier,
                store: Arc::new(self.store),
                lease: self.lease,
                ttl: self.ttl,
                max_body_bytes: self.max_body_bytes,
                retry_after: self.retry_after,
                sink_timeout: self.sink_timeout,
                clock: self.clock,
                public_url: self.public_url,
                trust_forwarded: self.trust_forwarded,
                verify_token: self.verify_token,
            }),
        })
    }
}

impl<St: IdempotencyStore> Endpoint<St> {
    /// The endpoint's name (idempotency namespace).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The body limit.
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }
}
