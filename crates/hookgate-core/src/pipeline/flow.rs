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
use crate::handshake::HandshakeReply;
use crate::headers::{self, Headers};
use crate::idempotency::{Claim, IdempotencyKey, IdempotencyStore, StoreError};
use crate::sink::{Sink, SinkError, SinkErrorKind};
use crate::verify::{RequestLine, Verified};

/// A request's method and headers, as a framework holds them. Adapters implement it on a thin
/// borrowed wrapper; [`Head`] serves tests and frameworks without an adapter.
pub trait RequestHead {
    /// The headers, as the core reads them.
    type Headers<'a>: Headers
    where
        Self: 'a;
    /// The method, e.g. `POST`.
    fn method(&self) -> &str;
    /// The request target as received: path and query, e.g. `/hooks?x=1`.
    fn uri(&self) -> &str;
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
/// let head = Head { method: "GET", uri: "/webhooks", headers: &[("accept", "*/*")] };
/// assert_eq!(endpoint.quick_ack(&head, full_body(""), &tx).await.status(), 405);
/// # });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Head<'r, H: ?Sized> {
    /// The method.
    pub method: &'r str,
    /// The request target: path and query.
    pub uri: &'r str,
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
    fn uri(&self) -> &str {
        self.uri
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
    /// 202 only once the sink has it; a sink that refuses, or does not answer within the sink
    /// timeout, releases the claim and answers 503.
    ///
    /// `body` is the request's body as a stream of chunks; it is read only up to the limit. A
    /// sink that remembers deliveries itself ([`Sink::remembers_deliveries`]) records the delivery
    /// and takes the event in one step, and the endpoint's store is not asked.
    pub async fn quick_ack<R, B, E, Sk>(&self, request: &R, body: B, sink: &Sk) -> Outcome
    where
        R: RequestHead + ?Sized,
        B: Stream<Item = Result<Bytes, E>>,
        E: Display,
        Sk: Sink + ?Sized,
    {
        let (metadata, body) = match self.receive(request, body).await {
            Ok(received) => received,
            Err(outcome) => return outcome,
        };
        let id = Arc::clone(metadata.delivery_id_shared());
        if sink.remembers_deliveries() {
            let key = self.key(&metadata);
            let published =
                self.within_timeout(sink.publish_once(&key, self.inner.ttl, Event::new(metadata, body))).await;
            return match published {
                Ok(Claim::Acquired(_)) => self.accepted(id),
                Ok(claim) => self.refused(Ok(claim), &id),
                Err(e) => self.sink_refused(&id, &e),
            };
        }
        let claim = match self.claim(metadata).await {
            Ok(claim) => claim,
            Err(outcome) => return outcome,
        };
        match self.within_timeout(sink.publish(Event::new(claim.metadata.clone(), body))).await {
            Ok(()) => {
                claim.settle(Settle::Complete).await;
                self.accepted(id)
            }
            Err(e) => {
                claim.settle(Settle::Release).await;
                self.sink_refused(&id, &e)
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
        let (metadata, body) = self.receive(&request, body).await?;
        let claim = self.claim(metadata).await?;
        let (response, status) = handler(request, claim.metadata.clone(), body).await;
        claim.finish(status).await;
        Ok(response)
    }

    /// Method, declared length, the body within the limit, verification: the delivery's metadata
    /// and body.
    async fn receive<R, B, E>(&self, request: &R, body: B) -> Result<(Metadata, Bytes), Outcome>
    where
        R: RequestHead + ?Sized,
        B: Stream<Item = Result<Bytes, E>>,
        E: Display,
    {
        let method = request.method();
        if method != "POST" {
            return Err(self.not_post(request));
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
        let headers = request.headers();
        let verified = self.verify(request, &headers, &body)?;
        if let Some(handshake) = self.inner.verifier.scheme().handshake() {
            if let Some(answer) = handshake.answer_post(&verified, &headers, &body, &self.inner.verifier) {
                return Err(self.handshake(answer, &headers));
            }
        }
        let content_type = headers::first(&headers, "content-type").and_then(|v| std::str::from_utf8(v).ok());
        let (endpoint, provider) = (Arc::clone(&self.inner.name), Arc::clone(&self.inner.provider));
        Ok((Metadata::verified(endpoint, provider, &verified, content_type), body))
    }

    /// A request that is not a `POST`: a handshake of the provider's, or 405.
    fn not_post<R: RequestHead + ?Sized>(&self, request: &R) -> Outcome {
        let method = request.method();
        let query = request.uri().split_once('?').map_or("", |(_, q)| q);
        let inner = &self.inner;
        let answer = inner.verifier.scheme().handshake().and_then(|h| {
            h.answer_other(method, query, &inner.verifier, inner.verify_token.as_ref(), inner.clock.now())
        });
        match answer {
            Some(answer) => self.handshake(answer, &request.headers()),
            None => {
                self.log_refusal(&request.headers(), "method not allowed", method);
                Outcome::MethodNotAllowed
            }
        }
    }

    /// The outcome of a handshake: its reply, or the refusal (logged as any refusal is).
    fn handshake<H: Headers + ?Sized>(&self, answer: Result<HandshakeReply, VerifyError>, headers: &H) -> Outcome {
        match answer {
            Ok(reply) => {
                tracing::info!(endpoint = %self.inner.name, provider = %self.inner.provider, "handshake answered");
                Outcome::Handshake(reply)
            }
            Err(e) => self.rejected(headers, e),
        }
    }

    /// Verifies the request (synchronously; no I/O). Refusals are logged with their reason.
    fn verify<R: RequestHead + ?Sized, H: Headers + ?Sized>(
        &self,
        request: &R,
        headers: &H,
        body: &[u8],
    ) -> Result<Verified, Outcome> {
        self.check(request, headers, body).map_err(|e| {
            let unsigned =
                self.inner.verifier.scheme().handshake().filter(|_| e.kind() == VerifyErrorKind::MissingSignature);
            match unsigned.and_then(|h| h.answer_unsigned(body)) {
                Some(reply) => self.handshake(Ok(reply), headers),
                None => self.rejected(headers, e),
            }
        })
    }

    /// Verifies `request` with `body` as this endpoint does (its URL rule, its clock), without
    /// claiming or handing anything off: for shadow mode and diagnostics.
    pub fn verify_request<R: RequestHead + ?Sized>(&self, request: &R, body: &[u8]) -> Result<Verified, VerifyError> {
        self.check(request, &request.headers(), body)
    }

    fn check<R: RequestHead + ?Sized, H: Headers + ?Sized>(
        &self,
        request: &R,
        headers: &H,
        body: &[u8],
    ) -> Result<Verified, VerifyError> {
        let url = self.inner.verifier.scheme().signs_url().then(|| self.request_url(request, headers)).flatten();
        let line = RequestLine { method: request.method(), url: url.as_deref() };
        self.inner.verifier.verify_request(line, headers, body, self.inner.clock.now())
    }

    /// The full URL the provider called, for schemes that sign it: the configured public URL
    /// (with the request's query), or, when `X-Forwarded-*` headers are trusted, rebuilt from
    /// them and `Host`.
    fn request_url<R: RequestHead + ?Sized, H: Headers + ?Sized>(&self, request: &R, headers: &H) -> Option<String> {
        let target = request.uri();
        if let Some(base) = &self.inner.public_url {
            return Some(match target.split_once('?') {
                Some((_, query)) if !base.contains('?') => format!("{base}?{query}"),
                _ => base.to_string(),
            });
        }
        if !self.inner.trust_forwarded {
            return None;
        }
        let first = |name: &str| {
            let v = headers::first(headers, name)?;
            let v = std::str::from_utf8(v).ok()?.split(',').next()?.trim();
            (!v.is_empty()).then(|| v.to_owned())
        };
        let proto = first("x-forwarded-proto").unwrap_or_else(|| "http".into());
        let host = first("x-forwarded-host").or_else(|| first("host"))?;
        Some(format!("{proto}://{host}{target}"))
    }

    fn rejected<H: Headers + ?Sized>(&self, headers: &H, e: VerifyError) -> Outcome {
        tracing::warn!(
            endpoint = %self.inner.name,
            provider = %self.inner.provider,
            claimed_delivery_id = self.claimed_id(headers).as_deref().unwrap_or("-"),
            status = e.status(),
            reason = %e,
            "webhook refused"
        );
        Outcome::Rejected(e)
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

    fn key(&self, metadata: &Metadata) -> IdempotencyKey {
        IdempotencyKey::shared(Arc::clone(&self.inner.name), Arc::clone(metadata.delivery_id_shared()))
    }

    /// Claims the delivery: a guard that owns the claim, or the outcome of a refusal (duplicate,
    /// in flight, store unavailable).
    async fn claim(&self, metadata: Metadata) -> Result<ClaimGuard<St>, Outcome> {
        let key = self.key(&metadata);
        match self.inner.store.claim(&key, self.inner.lease).await {
            Ok(Claim::Acquired(token)) => Ok(ClaimGuard {
                store: Arc::clone(&self.inner.store),
                token,
                ttl: self.inner.ttl,
                metadata,
                key,
                on_drop: Some(Settle::Release),
            }),
            other => Err(self.refused(other, metadata.delivery_id_shared())),
        }
    }

    /// The outcome of a claim that was not acquired: a duplicate, in flight, or unavailable.
    fn refused(&self, claim: Result<Claim, StoreError>, id: &Arc<str>) -> Outcome {
        let endpoint = &*self.inner.name;
        match claim {
            Ok(Claim::Done) => {
                tracing::info!(endpoint, delivery_id = &**id, "duplicate delivery");
                Outcome::Duplicate { delivery_id: Arc::clone(id) }
            }
            Ok(Claim::InFlight { retry_after }) => {
                tracing::info!(endpoint, delivery_id = &**id, "delivery already in flight");
                Outcome::InFlight { retry_after }
            }
            Ok(Claim::Acquired(_)) => self.accepted(Arc::clone(id)),
            Err(e) => {
                tracing::error!(endpoint, delivery_id = &**id, error = %e, "idempotency store unavailable");
                Outcome::Unavailable { retry_after: self.inner.retry_after }
            }
        }
    }

    fn accepted(&self, id: Arc<str>) -> Outcome {
        tracing::info!(endpoint = %self.inner.name, delivery_id = &*id, "delivery accepted");
        Outcome::Accepted { delivery_id: id }
    }

    fn sink_refused(&self, id: &str, e: &SinkError) -> Outcome {
        tracing::warn!(endpoint = %self.inner.name, delivery_id = id, error = %e, "hand-off refused: answering 503");
        Outcome::Unavailable { retry_after: self.inner.retry_after }
    }

    /// `publish` within the sink timeout; past it, a [`SinkErrorKind::Timeout`]. A sink that
    /// answers at once (the in-process channel) is not timed, so it needs no timer in the
    /// runtime; one that waits for a broker needs tokio's timer (`enable_time`, or `enable_all`,
    /// which `#[tokio::main]` does).
    async fn within_timeout<T>(&self, publish: impl Future<Output = Result<T, SinkError>>) -> Result<T, SinkError> {
        let mut publish = std::pin::pin!(publish);
        let first = std::future::poll_fn(|cx| std::task::Poll::Ready(publish.as_mut().poll(cx))).await;
        if let std::task::Poll::Ready(answer) = first {
            return answer;
        }
        let limit = self.inner.sink_timeout;
        tokio::time::timeout(limit, publish).await.unwrap_or_else(|_| {
            Err(SinkError::new(SinkErrorKind::Timeout, format!("no acknowledgement within {} ms", limit.as_millis())))
        })
    }
}
