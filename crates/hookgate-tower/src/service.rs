//! The services: [`WebhookService`] (handler mode) and [`QuickAck`] (terminal, 202).
//!
//! Their futures are boxed: the idempotency store's futures are `impl Future` types from a trait
//! (unnameable), so a hand-written future could not hold them without boxing anyway. One small
//! allocation per request, measured in `BENCHMARKS.md`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use hookgate_core::{BodyBuffer, Endpoint, EventSender, Headers, IdempotencyStore, Outcome};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{BodyExt, Either, Full};
use tower::Service;

/// Borrowed `http` headers as the core reads them (no copy).
#[derive(Debug, Clone, Copy)]
pub struct HttpHeaders<'a>(pub &'a HeaderMap);

impl Headers for HttpHeaders<'_> {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        self.each_value_of(&[name], &mut |_, v| each(v))
    }

    #[inline]
    fn each_value_of<'a>(&'a self, names: &[&str], each: &mut dyn FnMut(usize, &'a [u8])) {
        let map = self.0;
        let pairs = || map.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
        let hashed = |name: &str| map.get_all(name).into_iter().map(|v| v.as_bytes());
        hookgate_core::header_values(map.len(), pairs, hashed, names, each);
    }
}

/// Builds the response for a refusal (see [`crate::WebhookLayer::on_rejection`]).
pub trait OnRejection: Send + Sync + 'static {
    /// The response for `outcome`.
    fn response(&self, outcome: &Outcome) -> Response<Full<Bytes>>;
}

impl<F> OnRejection for F
where
    F: Fn(&Outcome) -> Response<Full<Bytes>> + Send + Sync + 'static,
{
    fn response(&self, outcome: &Outcome) -> Response<Full<Bytes>> {
        self(outcome)
    }
}

/// The contract's response for an outcome: its status, its one header, a short `text/plain` body.
///
/// ```
/// use hookgate_core::Outcome;
/// let res = hookgate_tower::outcome_response(&Outcome::MethodNotAllowed);
/// assert_eq!(res.status(), 405);
/// assert_eq!(res.headers()["allow"], "POST");
/// ```
pub fn outcome_response(outcome: &Outcome) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from_static(outcome.body_text().as_bytes())));
    *res.status_mut() = StatusCode::from_u16(outcome.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    if let Some((name, value)) = outcome.header() {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    res
}

/// The default rejection response: [`outcome_response`].
pub fn default_rejection(outcome: &Outcome) -> Response<Full<Bytes>> {
    outcome_response(outcome)
}

/// Reads the body, refusing (413) as soon as it passes the limit: never buffered beyond it.
pub(crate) async fn read_limited<St, B>(
    endpoint: &Endpoint<St>,
    req: &http::request::Parts,
    body: B,
) -> Result<Bytes, Outcome>
where
    St: IdempotencyStore,
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let headers = HttpHeaders(&req.headers);
    endpoint.check_method(req.method.as_str(), &headers)?;
    let declared = req.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    endpoint.check_content_length(declared, &headers)?;
    let mut buffer = BodyBuffer::new(endpoint.max_body_bytes(), declared);
    let mut body = std::pin::pin!(body);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            let e: Box<dyn std::error::Error + Send + Sync> = e.into();
            tracing::info!(endpoint = endpoint.name(), error = %e, "webhook refused: body could not be read");
            Outcome::Rejected(
                hookgate_core::VerifyError::new(hookgate_core::VerifyErrorKind::MalformedHeader)
                    .detail("request body could not be read"),
            )
        })?;
        if let Ok(mut data) = frame.into_data() {
            buffer.push(data.copy_to_bytes(data.remaining())).map_err(|_| endpoint.too_large(&headers))?;
        }
    }
    Ok(buffer.finish())
}

/// The response body of [`WebhookService`]: the inner service's, or a short refusal.
pub type ResponseBody<B> = Either<B, Full<Bytes>>;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Handler mode (see [`crate::WebhookLayer`]). The inner service receives
/// `Request<Full<Bytes>>`: the raw body, intact, with [`hookgate_core::Metadata`] in the
/// extensions.
pub struct WebhookService<S, St> {
    inner: S,
    endpoint: Endpoint<St>,
    on_rejection: Arc<dyn OnRejection>,
}

impl<S: Clone, St> Clone for WebhookService<S, St> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            endpoint: self.endpoint.clone(),
            on_rejection: Arc::clone(&self.on_rejection),
        }
    }
}

impl<S, St> WebhookService<S, St> {
    pub(crate) fn new(inner: S, endpoint: Endpoint<St>, on_rejection: Arc<dyn OnRejection>) -> Self {
        Self { inner, endpoint, on_rejection }
    }
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }
    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, St, B, ResB> Service<Request<B>> for WebhookService<S, St>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    St: IdempotencyStore,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    ResB: Send + 'static,
{
    type Response = Response<ResponseBody<ResB>>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        // Take the service that was driven to readiness; leave a fresh clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let endpoint = self.endpoint.clone();
        let on_rejection = Arc::clone(&self.on_rejection);
        // Split outside the future: a request captured whole stays in the future's state next
        // to its parts (224 bytes more, which took the boxed future past glibc's 1 KiB cache).
        let (mut parts, body) = req.into_parts();
        Box::pin(async move {
            let refuse = |o: Outcome| Ok(on_rejection.response(&o).map(Either::Right));
            let bytes = match read_limited(&endpoint, &parts, body).await {
                Ok(b) => b,
                Err(o) => return refuse(o),
            };
            let verified = match endpoint.verify(&HttpHeaders(&parts.headers), &bytes) {
                Ok(v) => v,
                Err(o) => return refuse(o),
            };
            let guard = match endpoint.begin(verified).await {
                Ok(g) => g,
                Err(o) => {
                    return Ok(match o {
                        // A duplicate is a success for the sender, not a refusal.
                        Outcome::Duplicate { .. } => outcome_response(&o).map(Either::Right),
                        o => on_rejection.response(&o).map(Either::Right),
                    });
                }
            };
            parts.extensions.insert(guard.metadata().clone());
            let res = inner.call(Request::from_parts(parts, Full::new(bytes))).await;
            match res {
                Ok(res) => {
                    guard.finish(res.status().as_u16()).await;
                    Ok(res.map(Either::Left))
                }
                Err(e) => {
                    guard.finish(500).await;
                    Err(e)
                }
            }
        })
    }
}

/// Quick-ack mode: a terminal service that hands each verified, new delivery to a channel and
/// answers 202 at once. Use it with `Router::route_service`.
///
/// ```
/// use axum::{Router, body::Body, http::Request};
/// use hookgate_core::{Endpoint, Preset, Verifier};
/// use hookgate_tower::QuickAck;
/// use tower::ServiceExt;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let endpoint = Endpoint::builder("/hooks", Verifier::for_preset(Preset::Github, &["s"]).unwrap()).build().unwrap();
/// let (tx, _rx) = hookgate_core::channel(1024);
/// let app = Router::new().route_service("/hooks", QuickAck::new(endpoint, tx));
/// let res = app.oneshot(Request::get("/hooks").body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(res.status(), 405);
/// # });
/// ```
pub struct QuickAck<St = hookgate_core::MemoryStore> {
    endpoint: Endpoint<St>,
    tx: EventSender,
    on_rejection: Arc<dyn OnRejection>,
}

impl<St> Clone for QuickAck<St> {
    fn clone(&self) -> Self {
        Self { endpoint: self.endpoint.clone(), tx: self.tx.clone(), on_rejection: Arc::clone(&self.on_rejection) }
    }
}

impl<St: IdempotencyStore> QuickAck<St> {
    /// Hands verified events of `endpoint` to `tx`.
    pub fn new(endpoint: Endpoint<St>, tx: EventSender) -> Self {
        Self { endpoint, tx, on_rejection: Arc::new(default_rejection) }
    }

    /// Replaces the response written for refusals.
    pub fn on_rejection<F>(mut self, f: F) -> Self
    where
        F: Fn(&Outcome) -> Response<Full<Bytes>> + Send + Sync + 'static,
    {
        self.on_rejection = Arc::new(f);
        self
    }
}

impl<St, B> Service<Request<B>> for QuickAck<St>
where
    St: IdempotencyStore,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let this = self.clone();
        // Split outside the future (see `WebhookService::call`).
        let (parts, body) = req.into_parts();
        Box::pin(async move {
            let outcome = match read_limited(&this.endpoint, &parts, body).await {
                Ok(bytes) => match this.endpoint.verify(&HttpHeaders(&parts.headers), &bytes) {
                    Ok(v) => this.endpoint.hand_off(v, bytes, &this.tx).await,
                    Err(o) => o,
                },
                Err(o) => o,
            };
            Ok(match outcome {
                Outcome::Accepted { .. } | Outcome::Duplicate { .. } => outcome_response(&outcome),
                o => this.on_rejection.response(&o),
            })
        })
    }
}
