//! The services: [`WebhookService`] (handler mode, built by [`crate::WebhookLayer`]) and
//! [`QuickAck`] (terminal, 202). Both hand the request to the core's flow and turn its
//! [`Outcome`] into a response.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use futures_util::{Stream, StreamExt as _};
use hookgate_core::{Endpoint, EventSender, Headers, IdempotencyStore, MemoryStore, Outcome, RequestHead, Sink};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{BodyDataStream, Either, Full};
use tower::Service;

/// Borrowed `http` headers as the core reads them (no copy).
#[derive(Debug, Clone, Copy)]
pub struct HttpHeaders<'a>(pub &'a HeaderMap);

impl Headers for HttpHeaders<'_> {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        // A webhook request carries a handful of headers: comparing their (lowercase) names with
        // the one asked for costs less than the map's lookup, which parses and hashes the name.
        if self.0.len() <= SCAN_AT_MOST {
            self.0.iter().filter(|(k, _)| k.as_str() == name).for_each(|(_, v)| each(v.as_bytes()));
        } else {
            self.0.get_all(name).iter().for_each(|v| each(v.as_bytes()));
        }
    }
}

/// Up to this many headers, [`HttpHeaders`] finds a header by comparing names.
const SCAN_AT_MOST: usize = 24;

/// A request's head as the core reads it.
struct Head(http::request::Parts);

impl RequestHead for Head {
    type Headers<'a> = HttpHeaders<'a>;
    fn method(&self) -> &str {
        self.0.method.as_str()
    }
    fn uri(&self) -> &str {
        self.0.uri.path_and_query().map_or("/", |p| p.as_str())
    }
    fn headers(&self) -> HttpHeaders<'_> {
        HttpHeaders(&self.0.headers)
    }
}

/// A request body as the chunks the core reads.
fn chunks<B>(body: B) -> impl Stream<Item = Result<Bytes, Box<dyn std::error::Error + Send + Sync>>>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    BodyDataStream::new(body)
        .map(|chunk| chunk.map(|mut data| data.copy_to_bytes(data.remaining())).map_err(Into::into))
}

/// Builds the response for a refusal (see [`crate::WebhookLayer::on_rejection`]); implemented
/// for closures.
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

/// The contract's response for an outcome: its status, its one header, a short `text/plain` body
/// (or a provider handshake's answer).
///
/// ```
/// use hookgate_tower::Outcome;
/// let res = hookgate_tower::outcome_response(&Outcome::MethodNotAllowed);
/// assert_eq!(res.status(), 405);
/// assert_eq!(res.headers()["allow"], "POST");
/// ```
pub fn outcome_response(outcome: &Outcome) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(outcome.body()));
    *res.status_mut() = StatusCode::from_u16(outcome.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(outcome.content_type()));
    // An echoed handshake challenge must never be sniffed as HTML.
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Some((name, value)) = outcome.header() {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    res
}

/// The response for `outcome`: successes (202, 200 duplicate, handshakes) as they are, refusals through the
/// rejection hook.
fn respond(outcome: &Outcome, on_rejection: &Option<Arc<dyn OnRejection>>) -> Response<Full<Bytes>> {
    match on_rejection {
        Some(hook) if !outcome.is_success() => hook.response(outcome),
        _ => outcome_response(outcome),
    }
}

/// The response body of [`WebhookService`]: the inner service's, or a short refusal.
pub type ResponseBody<B> = Either<B, Full<Bytes>>;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Handler mode (see [`crate::WebhookLayer`]). The inner service receives
/// `Request<Full<Bytes>>`: the raw body, intact, with [`hookgate_core::Metadata`] in the
/// extensions.
pub struct WebhookService<S, St = MemoryStore> {
    inner: S,
    endpoint: Endpoint<St>,
    on_rejection: Option<Arc<dyn OnRejection>>,
}

impl<S: Clone, St> Clone for WebhookService<S, St> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone(), endpoint: self.endpoint.clone(), on_rejection: self.on_rejection.clone() }
    }
}

impl<S, St> WebhookService<S, St> {
    pub(crate) fn new(inner: S, endpoint: Endpoint<St>, on_rejection: Option<Arc<dyn OnRejection>>) -> Self {
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
        let (endpoint, on_rejection) = (self.endpoint.clone(), self.on_rejection.clone());
        let (parts, body) = req.into_parts();
        Box::pin(async move {
            let handled = endpoint
                .handle(Head(parts), chunks(body), |Head(mut parts), metadata, body| async move {
                    parts.extensions.insert(metadata);
                    let res = inner.call(Request::from_parts(parts, Full::new(body))).await;
                    let status = res.as_ref().map_or(500, |r| r.status().as_u16());
                    (res, status)
                })
                .await;
            match handled {
                Ok(res) => res.map(|r| r.map(Either::Left)),
                Err(outcome) => Ok(respond(&outcome, &on_rejection).map(Either::Right)),
            }
        })
    }
}

/// Quick-ack mode: a terminal service that hands each verified, new delivery to a [`Sink`] (the
/// in-process channel by default) and answers 202 once the sink has it. Mount it on its route
/// with `Router::route_service`.
///
/// ```
/// use axum::{Router, body::Body, http::Request};
/// use hookgate_tower::{Endpoint, Preset, QuickAck};
/// use tower::ServiceExt;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let endpoint = Endpoint::preset(Preset::Github, &["s3cret"]).unwrap();
/// let (tx, _rx) = hookgate_tower::channel(1024);
/// let app = Router::new().route_service("/hooks", QuickAck::new(endpoint, tx));
/// let res = app.oneshot(Request::get("/hooks").body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(res.status(), 405);
/// # });
/// ```
pub struct QuickAck<Sk = EventSender, St = MemoryStore> {
    endpoint: Endpoint<St>,
    sink: Arc<Sk>,
    on_rejection: Option<Arc<dyn OnRejection>>,
}

impl<Sk, St> Clone for QuickAck<Sk, St> {
    fn clone(&self) -> Self {
        Self { endpoint: self.endpoint.clone(), sink: Arc::clone(&self.sink), on_rejection: self.on_rejection.clone() }
    }
}

impl<Sk: Sink, St: IdempotencyStore> QuickAck<Sk, St> {
    /// Hands verified events of `endpoint` to `sink`.
    pub fn new(endpoint: Endpoint<St>, sink: Sk) -> Self {
        Self { endpoint, sink: Arc::new(sink), on_rejection: None }
    }

    /// Replaces the response written for refusals (every outcome but 202, the 200 of a duplicate and a handshake's answer).
    /// Keep the outcome's status and headers: senders rely on them.
    pub fn on_rejection<F>(mut self, f: F) -> Self
    where
        F: Fn(&Outcome) -> Response<Full<Bytes>> + Send + Sync + 'static,
    {
        self.on_rejection = Some(Arc::new(f));
        self
    }
}

impl<Sk, St, B> Service<Request<B>> for QuickAck<Sk, St>
where
    Sk: Sink,
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
        let (parts, body) = req.into_parts();
        Box::pin(async move {
            let outcome = this.endpoint.quick_ack(&Head(parts), chunks(body), &*this.sink).await;
            Ok(respond(&outcome, &this.on_rejection))
        })
    }
}
