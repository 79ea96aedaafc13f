//! The request flow itself: [`Endpoint::quick_ack`] and [`Endpoint::handle`].

use std::convert::Infallible;
use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};

use super::claim::{ClaimGuard, Settle};
use super::{Endpoint, Outcome};
use crate::body::BodyBuffer;
use crate::error::{VerifyError, VerifyErrorKind};
use crate::event::{Event, Metadata};
use crate::headers::{self, Headers};
use crate::idempotency::{Claim, IdempotencyKey, IdempotencyStore};
use crate::sink::Sink;
use crate::verify::Verified;

/// A request's method and headers, as a framework holds them. Adapters implement it on a thin
/// borrowed wrapper; [`Head`] serves tests and frameworks without an adapter.
pub trait RequestHead {
    /// The headers, as the core reads them.
    type Headers<'a>: Headers
    where
        Self: 'a;
    /// The method, e.g. `POST`.
    fn method(&self) -> &str;
    /// The headers.
    fn headers(&self) -> Self::Headers<'_>;
}

/// A request head from a method and any [`Headers`].
///
/// ```
/// use hookgate_core::{Endpoint, Head, Preset, full_body};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let endpoint = Endpoint::preset(Preset::Github, &["s3cret"]).unwrap();
/// let (tx, _rx) = hookgate_core::channel(16);
/// let head = Head { method: "GET", headers: &[("accept", "*/*")] };
/// assert_eq!(endpoint.quick_ack(&head, full_body(""), &tx).await.status(), 405);
/// # });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Head<'r, H: ?Sized> {
    /// The method.
    pub method: &'r str,
    /// The headers.
    pub headers: &'r H,
}

impl<H: Headers + ?Sized> RequestHead for Head<'_, H> {
    type Headers<'a>
        = &'a H
    where
        Self: 'a;
    fn method(&self) -> &str {
        self.method
    }
    fn headers(&self) -> &H {
        self.headers
    }
}

/// A body already in memory, as a stream of one chunk ([`full_body`]).
pub type FullBody = futures_util::stream::Iter<std::array::IntoIter<Result<Bytes, Infallible>, 1>>;

/// A body that is already in memory, as the body stream [`Endpoint::quick_ack`] and
/// [`Endpoint::handle`] read.
pub fn full_body(bytes: impl Into<Bytes>) -> FullBody {
    futures_util::stream::iter([Ok(bytes.into())])
}

impl<St: IdempotencyStore> Endpoint<St> {
    /// Quick-ack mode for one request: method, size, verify, claim, hand the event to `sink`.
    /// 202 only once the sink has it; a sink that refuses releases the claim and answers 503.
    ///
    /// `body` is the request's body as a stream of chunks; it is read only up to the limit.
    pub async fn quick_ack<R, B, E, Sk>(&self, request: &R, body: B, sink: &Sk) -> Outcome
    where
        R: RequestHead + ?Sized,
        B: Stream<Item = Result<Bytes, E>>,
        E: Display,
        Sk: Sink + ?Sized,
    {
        let (verified, body) = match self.receive(request, body).await {
            Ok(received) => received,
            Err(outcome) => return outcome,
        };
        let id = Arc::clone(verified.delivery_id_shared());
        let claim = match self.claim(verified).await {
            Ok(claim) => claim,
            Err(outcome) => return outcome,
        };
        match sink.publish(Event::new(claim.metadata.clone(), body)).await {
            Ok(()) => {
                claim.settle(Settle::Complete).await;
                tracing::debug!(endpoint = %self.inner.name, delivery_id = &*id, "delivery accepted");
                Outcome::Accepted { delivery_id: id }
            }
            Err(e) => {
                tracing::warn!(endpoint = %self.inner.name, delivery_id = &*id, error = %e, "hand-off refused: answering 503");
                claim.settle(Settle::Release).await;
                Outcome::Unavailable { retry_after: self.inner.retry_after }
            }
        }
    }

    /// Handler mode for one request: method, size, verify, claim, then `handler` with the request
    /// head, the [`Metadata`] and the raw body. The handler returns its response and status: the
    /// delivery is completed on 2xx and released otherwise (also when the handler panics or the
    /// request is dropped). Refusals, duplicates included, come back as the `Err` outcome.
    pub async fn handle<R, B, E, F, Fut, T>(&self, request: R, body: B, handler: F) -> Result<T, Outcome>
    where
        R: RequestHead,
        B: Stream<Item = Result<Bytes, E>>,
        E: Display,
        F: FnOnce(R, Metadata, Bytes) -> Fut,
        Fut: Future<Output = (T, u16)>,
    {
        let (verified, body) = self.receive(&request, body).await?;
        let claim = self.claim(verified).await?;
        let (response, status) = handler(request, claim.metadata.clone(), body).await;
        claim.finish(status).await;
        Ok(response)
    }

    /// Method, declared length, the body within the limit, verification.
    async fn receive<R, B, E>(&self, request: &R, body: B) -> Result<(Verified, Bytes), Outcome>
    where
        R: RequestHead + ?Sized,
        B: Stream<Item = Result<Bytes, E>>,
        E: Display,
    {
        let method = request.method();
        if method != "POST" {
            self.log_refusal(&request.headers(), "method not allowed", method);
            return Err(Outcome::MethodNotAllowed);
        }
        let declared = headers::first(&request.headers(), "content-length")
            .and_then(|v| std::str::from_utf8(v).ok()?.parse().ok());
        let too_large = || {
            self.log_refusal(&request.headers(), "body too large", self.inner.max_body_bytes);
            Outcome::PayloadTooLarge
        };
        if declared.is_some_and(|n: u64| n > self.inner.max_body_bytes as u64) {
            return Err(too_large());
        }
        let mut buffer = BodyBuffer::new(self.inner.max_body_bytes, declared);
        let mut body = std::pin::pin!(body);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                tracing::info!(endpoint = %self.inner.name, error = %e, "webhook refused: body could not be read");
                Outcome::Rejected(
                    VerifyError::new(VerifyErrorKind::MalformedHeader).detail("request body could not be read"),
                )
            })?;
            buffer.push(chunk).map_err(|_| too_large())?;
        }
        let body = buffer.finish();
        let verified = self.verify(&request.headers(), &body)?;
        Ok((verified, body))
    }

    /// Verifies the request (synchronously; no I/O). Refusals are logged with their reason.
    fn verify<H: Headers + ?Sized>(&self, headers: &H, body: &[u8]) -> Result<Verified, Outcome> {
        self.inner.verifier.verify(headers, body, self.inner.clock.now()).map_err(|e| {
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

    fn log_refusal<H: Headers + ?Sized>(&self, headers: &H, why: &str, detail: impl Display) {
        tracing::info!(
            endpoint = %self.inner.name,
            claimed_delivery_id = self.claimed_id(headers).as_deref().unwrap_or("-"),
            %detail,
            "webhook refused: {why}"
        );
    }

    /// The id the sender claims, unverified and escaped by the log formatter: what a user looks
    /// up in the provider's delivery log. Read only when a refusal is logged.
    fn claimed_id<H: Headers + ?Sized>(&self, headers: &H) -> Option<String> {
        self.inner.verifier.claimed_id(headers)
    }

    /// Claims the delivery: a guard that owns the claim, or the outcome of a refusal (duplicate,
    /// in flight, store unavailable).
    async fn claim(&self, verified: Verified) -> Result<ClaimGuard<St>, Outcome> {
        let key = IdempotencyKey::shared(Arc::clone(&self.inner.name), Arc::clone(verified.delivery_id_shared()));
        let claim = self.inner.store.claim(&key, self.inner.lease).await;
        let id = key.id();
        match claim {
            Ok(Claim::Acquired(token)) => Ok(ClaimGuard {
                store: Arc::clone(&self.inner.store),
                token,
                ttl: self.inner.ttl,
                metadata: Metadata {
                    endpoint: Arc::clone(&self.inner.name),
                    provider: Arc::clone(&self.inner.provider),
                    received_at: verified.checked_at(),
                    verified,
                },
                key,
                on_drop: Some(Settle::Release),
            }),
            Ok(Claim::Done) => {
                tracing::info!(endpoint = %self.inner.name, delivery_id = id, "duplicate delivery");
                Err(Outcome::Duplicate { delivery_id: Arc::clone(verified.delivery_id_shared()) })
            }
            Ok(Claim::InFlight { retry_after }) => {
                tracing::info!(endpoint = %self.inner.name, delivery_id = id, "delivery already in flight");
                Err(Outcome::InFlight { retry_after })
            }
            Err(e) => {
                tracing::error!(endpoint = %self.inner.name, delivery_id = id, error = %e, "idempotency store unavailable");
                Err(Outcome::Unavailable { retry_after: self.inner.retry_after })
            }
        }
    }
}
