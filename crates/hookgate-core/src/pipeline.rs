//! One framework-agnostic pipeline: method → size → verify → claim → hand-off (or the handler),
//! ending in an [`Outcome`] that maps 1:1 onto the rows of `CONTRACT.md` §1. Adapters only
//! translate requests into these calls and outcomes into responses.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc::error::TrySendError;

use crate::error::{ConfigError, ConfigErrorKind, VerifyError};
use crate::handoff::{Event, EventSender, Metadata};
use crate::headers::Headers;
use crate::idempotency::{Claim, ClaimToken, IdempotencyKey, IdempotencyStore, MemoryStore, StoreError};
use crate::replay::{Clock, SystemClock};
use crate::verify::{Verified, Verifier};

/// The contract's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
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
            _ => None,
        }
    }

    /// The short, generic `text/plain` body. Never a secret, a signature or the failed check.
    pub fn body_text(&self) -> &'static str {
        match self {
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

/// One webhook endpoint: its verifier, idempotency store and limits. Cheap to clone.
///
/// ```
/// use bytes::Bytes;
/// use hookgate_core::{Endpoint, Outcome, Preset, Secret, SignOptions, Verifier};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let verifier = Verifier::for_preset(Preset::Github, &["s3cret"]).unwrap();
/// let endpoint = Endpoint::builder("/webhooks/github", verifier).build().unwrap();
/// let (tx, mut rx) = hookgate_core::channel(16);
///
/// let body = Bytes::from_static(br#"{"zen":"Keep it logically awesome."}"#);
/// let headers = Preset::Github.scheme()
///     .sign(&Secret::hmac("s3cret").unwrap(), &body, &SignOptions { id: Some("d-1"), event_type: Some("ping"), ..Default::default() })
///     .unwrap();
///
/// let outcome = endpoint.quick_ack(&headers, body.clone(), &tx).await;
/// assert_eq!(outcome.status(), 202);
/// assert_eq!(rx.recv().await.unwrap().metadata().event_type(), Some("ping"));
///
/// // The sender retries: 200 + Hookgate-Duplicate, nothing handed off twice.
/// assert_eq!(endpoint.quick_ack(&headers, body, &tx).await.status(), 200);
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
    clock: Arc<dyn Clock>,
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
    clock: Arc<dyn Clock>,
}

/// Default body limit: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

impl Endpoint<MemoryStore> {
    /// Starts an endpoint named `name` (its path, usually), with a [`MemoryStore`], a 60 s lease,
    /// a 24 h TTL, a 1 MiB body limit and `Retry-After: 5` on 503.
    pub fn builder(name: impl Into<String>, verifier: Verifier) -> EndpointBuilder<MemoryStore> {
        EndpointBuilder {
            name: name.into(),
            verifier,
            store: MemoryStore::new(),
            lease: Duration::from_secs(60),
            ttl: Duration::from_secs(24 * 3600),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            retry_after: Duration::from_secs(5),
            clock: Arc::new(SystemClock),
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
            clock: self.clock,
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
    /// The clock for the replay window (inject one in tests).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
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
                clock: self.clock,
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

    /// Only POST is accepted. A refusal is logged with the delivery id the request claims.
    pub fn check_method<H: Headers + ?Sized>(&self, method: &str, headers: &H) -> Result<(), Outcome> {
        if method == "POST" {
            Ok(())
        } else {
            tracing::info!(
                endpoint = %self.inner.name,
                claimed_delivery_id = self.claimed_id(headers).as_deref().unwrap_or("-"),
                method,
                "webhook refused: method not allowed"
            );
            Err(Outcome::MethodNotAllowed)
        }
    }

    /// Refuses early when the declared length is over the limit (before reading anything).
    pub fn check_content_length<H: Headers + ?Sized>(&self, declared: Option<u64>, headers: &H) -> Result<(), Outcome> {
        match declared {
            Some(n) if n > self.inner.max_body_bytes as u64 => Err(self.too_large(headers)),
            _ => Ok(()),
        }
    }

    /// The 413 outcome, for an adapter whose streaming read passed the limit; logged with the
    /// delivery id the request claims.
    pub fn too_large<H: Headers + ?Sized>(&self, headers: &H) -> Outcome {
        tracing::info!(
            endpoint = %self.inner.name,
            claimed_delivery_id = self.claimed_id(headers).as_deref().unwrap_or("-"),
            limit = self.inner.max_body_bytes,
            "webhook refused: body too large"
        );
        Outcome::PayloadTooLarge
    }

    /// The delivery id a refused request claims (unverified), for its log line; read only when
    /// the line is written.
    fn claimed_id<H: Headers + ?Sized>(&self, headers: &H) -> Option<String> {
        self.inner.verifier.claimed_id(headers)
    }

    /// Verifies the request (synchronously; no I/O). Refusals are logged with their reason.
    pub fn verify<H: Headers + ?Sized>(&self, headers: &H, body: &[u8]) -> Result<Verified, Outcome> {
        self.inner.verifier.verify(headers, body, self.inner.clock.now()).map_err(|e| {
            // The id the sender claims, unverified and escaped by the log formatter: what a user
            // looks up in the provider's delivery log. Read only when the line is written.
            tracing::warn!(
                endpoint = %self.inner.name,
                provider = %self.inner.provider,
                claimed_delivery_id = self.claimed_id(headers).as_deref().unwrap_or("-"),
                status = e.status(),
                reason = %e,
                "webhook refused"
            );
            Outcome::Rejected(e)
        })
    }

    fn metadata(&self, verified: Verified) -> Metadata {
        Metadata {
            endpoint: Arc::clone(&self.inner.name),
            provider: Arc::clone(&self.inner.provider),
            received_at: verified.checked_at(),
            verified,
        }
    }

    fn refusal(&self, claim: Result<Claim, StoreError>, id: &Arc<str>) -> Outcome {
        match claim {
            Ok(Claim::Done) => {
                tracing::info!(endpoint = %self.inner.name, delivery_id = &**id, "duplicate delivery");
                Outcome::Duplicate { delivery_id: Arc::clone(id) }
            }
            Ok(Claim::InFlight { retry_after }) => {
                tracing::info!(endpoint = %self.inner.name, delivery_id = &**id, "delivery already in flight");
                Outcome::InFlight { retry_after }
            }
            // Not a refusal; callers never pass it. Answer safely rather than panic.
            Ok(Claim::Acquired(_)) => {
                debug_assert!(false, "an acquired claim is not a refusal");
                Outcome::Unavailable { retry_after: self.inner.retry_after }
            }
            Err(e) => {
                tracing::error!(endpoint = %self.inner.name, delivery_id = &**id, error = %e, "idempotency store unavailable");
                Outcome::Unavailable { retry_after: self.inner.retry_after }
            }
        }
    }

    fn key(&self, verified: &Verified) -> IdempotencyKey {
        IdempotencyKey::shared(Arc::clone(&self.inner.name), Arc::clone(verified.delivery_id_shared()))
    }

    async fn claim(&self, verified: &Verified) -> Result<(IdempotencyKey, ClaimToken), Outcome> {
        let key = self.key(verified);
        match self.inner.store.claim(&key, self.inner.lease).await {
            Ok(Claim::Acquired(token)) => Ok((key, token)),
            other => Err(self.refusal(other, verified.delivery_id_shared())),
        }
    }

    /// Quick-ack mode for one request: verify, claim, hand off. 202 only once the event is in
    /// the channel; a full or closed channel releases the claim and answers 503.
    pub async fn quick_ack<H: Headers + ?Sized>(&self, headers: &H, body: Bytes, tx: &EventSender) -> Outcome {
        match self.verify(headers, &body) {
            Ok(v) => self.hand_off(v, body, tx).await,
            Err(o) => o,
        }
    }

    /// Claim and hand off an already verified request (the second half of [`Self::quick_ack`],
    /// for adapters whose header maps cannot be held across an `.await`).
    ///
    /// A place in the channel is reserved first (full or closed: 503, and the store is not
    /// touched, so the retry is processed). The event is then sent into the reserved place, which
    /// cannot fail, and the 202 is written only once it is in the channel.
    ///
    /// A local store claims the delivery directly as done
    /// ([`IdempotencyStore::claim_completed`], one unambiguous step). A remote store's answer can
    /// be lost after its write was applied (a timeout, a restart), and a "done" written that way
    /// would turn the sender's retry into a duplicate of an event nobody received. So a remote
    /// store claims with a lease, the event is sent, and the delivery is then marked done before
    /// the 202 (so a duplicate sent right after it is answered 200): a lost claim answer leaves
    /// only a lease, which expires (409 until then), and a lost completion only lets a duplicate
    /// through once the lease expires — never a lost event. These steps run in a task of their
    /// own, so a cancelled request cannot cut them in half.
    pub async fn hand_off(&self, verified: Verified, body: Bytes, tx: &EventSender) -> Outcome {
        let id = Arc::clone(verified.delivery_id_shared());
        let permit = match tx.clone().try_reserve_owned() {
            Ok(p) => p,
            Err(e) => {
                let why = if matches!(e, TrySendError::Full(_)) {
                    "hand-off channel full"
                } else {
                    "hand-off channel closed"
                };
                tracing::warn!(endpoint = %self.inner.name, delivery_id = &*id, "{why}: answering 503");
                return Outcome::Unavailable { retry_after: self.inner.retry_after };
            }
        };
        let key = self.key(&verified);
        let meta = self.metadata(verified);
        let (ttl, lease) = (self.inner.ttl, self.inner.lease);
        let claim = if self.inner.store.is_remote() && tokio::runtime::Handle::try_current().is_ok() {
            let event = Event::new(meta, body);
            let store = Arc::clone(&self.inner.store);
            let endpoint = Arc::clone(&self.inner.name);
            let task = tokio::spawn(async move {
                let claim = store.claim(&key, lease).await;
                if let Ok(Claim::Acquired(token)) = claim {
                    permit.send(event);
                    // The event is safe: a failed completion must not turn the answer into a 503.
                    if let Err(e) = store.complete(&key, token, ttl).await {
                        tracing::warn!(%endpoint, error = %e, "could not mark a handed-off delivery done; a duplicate may pass once its lease expires");
                    }
                }
                claim
            });
            task.await.unwrap_or_else(|e| Err(StoreError(format!("hand-off task failed: {e}"))))
        } else {
            let claim = self.inner.store.claim_completed(&key, ttl).await;
            if let Ok(Claim::Acquired(_)) = claim {
                // Built only now: a duplicate's body is never copied (see `Event::new`).
                permit.send(Event::new(meta, body));
            }
            claim
        };
        match claim {
            Ok(Claim::Acquired(_)) => {
                tracing::debug!(endpoint = %self.inner.name, delivery_id = &*id, "delivery accepted");
                Outcome::Accepted { delivery_id: id }
            }
            other => self.refusal(other, &id),
        }
    }

    /// Handler mode: claim an already verified delivery and return a guard that completes the key
    /// when the handler answers 2xx and releases it otherwise, or when dropped unfinished
    /// (handler panicked, request cancelled).
    pub async fn begin(&self, verified: Verified) -> Result<HandlerGuard<St>, Outcome> {
        let (key, token) = self.claim(&verified).await?;
        Ok(HandlerGuard {
            store: Arc::clone(&self.inner.store),
            key,
            token,
            ttl: self.inner.ttl,
            metadata: self.metadata(verified),
            armed: true,
        })
    }
}

/// Owns a delivery's claim while its handler runs. Call [`HandlerGuard::finish`] with the
/// handler's status; if the guard is dropped instead, the claim is released in the background.
#[must_use = "dropping the guard releases the claim"]
pub struct HandlerGuard<St: IdempotencyStore> {
    store: Arc<St>,
    key: IdempotencyKey,
    token: ClaimToken,
    ttl: Duration,
    metadata: Metadata,
    armed: bool,
}

impl<St: IdempotencyStore> std::fmt::Debug for HandlerGuard<St> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerGuard").field("key", &self.key).field("armed", &self.armed).finish()
    }
}

impl<St: IdempotencyStore> HandlerGuard<St> {
    /// The delivery's metadata (for request extensions).
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// Completes the key on 2xx, releases it otherwise.
    ///
    /// The returned future holds only what settling needs (not the whole guard), so that the
    /// adapters' per-request futures stay small.
    pub fn finish(mut self, status: u16) -> impl Future<Output = ()> + Send + 'static {
        self.armed = false;
        let store = Arc::clone(&self.store);
        let (key, token, ttl) = (self.key.clone(), self.token, self.ttl);
        let endpoint = Arc::clone(&self.metadata.endpoint);
        async move {
            let id = key.id();
            let res = if (200..300).contains(&status) {
                store.complete(&key, token, ttl).await
            } else {
                tracing::info!(
                    endpoint = &*endpoint,
                    delivery_id = id,
                    status,
                    "handler failed: claim released for the retry"
                );
                store.release(&key, token).await
            };
            if let Err(e) = res {
                tracing::warn!(endpoint = &*endpoint, delivery_id = id, error = %e, "could not settle claim; it expires with its lease");
            }
        }
    }
}

impl<St: IdempotencyStore> Drop for HandlerGuard<St> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        tracing::warn!(endpoint = %self.metadata.endpoint, delivery_id = self.metadata.delivery_id(), "handler did not finish (panic or cancelled): releasing claim");
        let (store, key, token) = (Arc::clone(&self.store), self.key.clone(), self.token);
        let release = async move {
            let _ = store.release(&key, token).await;
        };
        // Without a runtime (dropped at shutdown) the claim simply expires with its lease.
        if let Ok(h) = tokio::runtime::Handle::try_current() {
            h.spawn(release);
        }
    }
}
