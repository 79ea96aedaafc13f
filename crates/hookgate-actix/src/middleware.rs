//! The middlewares: [`WebhookMiddleware`] (handler mode) and [`QuickAck`] (answers 202 itself),
//! each a `Transform` and its service. Both hand the request to the core's flow and turn its
//! [`Outcome`] into a response.

use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpMessage, HttpResponse};
use bytes::Bytes;
use futures_util::future::LocalBoxFuture;
use hookgate_core::{Endpoint, EventSender, Headers, IdempotencyStore, MemoryStore, Outcome, RequestHead, Sink};

/// actix-web's header map as the core reads it (no copy).
#[derive(Debug, Clone, Copy)]
pub struct ActixHeaders<'a>(pub &'a HeaderMap);

impl Headers for ActixHeaders<'_> {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        // A webhook request carries a handful of headers: comparing their (lowercase) names with
        // the one asked for costs less than the map's lookup, which parses and hashes the name.
        if self.0.len() <= SCAN_AT_MOST {
            self.0.iter().filter(|(k, _)| k.as_str() == name).for_each(|(_, v)| each(v.as_bytes()));
        } else {
            self.0.get_all(name).for_each(|v| each(v.as_bytes()));
        }
    }
}

/// Up to this many headers, [`ActixHeaders`] finds a header by comparing names.
const SCAN_AT_MOST: usize = 24;

/// A request as the core reads it.
struct Head(ServiceRequest);

impl RequestHead for Head {
    type Headers<'a> = ActixHeaders<'a>;
    fn method(&self) -> &str {
        self.0.method().as_str()
    }
    fn uri(&self) -> &str {
        self.0.uri().path_and_query().map_or("/", |p| p.as_str())
    }
    fn headers(&self) -> ActixHeaders<'_> {
        ActixHeaders(self.0.headers())
    }
}

/// The contract's response for an outcome: status, its one header, a short `text/plain` body (or
/// a provider handshake's answer).
///
/// ```
/// let res = hookgate_actix::outcome_response(&hookgate_actix::Outcome::MethodNotAllowed);
/// assert_eq!(res.status(), 405);
/// assert_eq!(res.headers().get("allow").unwrap(), "POST");
/// ```
pub fn outcome_response(outcome: &Outcome) -> HttpResponse {
    let status = StatusCode::from_u16(outcome.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CONTENT_TYPE, outcome.content_type()));
    // An echoed handshake challenge must never be sniffed as HTML.
    res.insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if let Some((name, value)) = outcome.header() {
        res.insert_header((name, value));
    }
    res.body(outcome.body())
}

/// Builds the response for a refusal; implemented for closures.
pub trait OnRejection: 'static {
    /// The response for `outcome`.
    fn response(&self, outcome: &Outcome) -> HttpResponse;
}

impl<F: Fn(&Outcome) -> HttpResponse + 'static> OnRejection for F {
    fn response(&self, outcome: &Outcome) -> HttpResponse {
        self(outcome)
    }
}

/// The response for `outcome`: successes (202, 200 duplicate, handshakes) as they are, refusals through the
/// rejection hook.
fn respond(outcome: &Outcome, on_rejection: &Option<Rc<dyn OnRejection>>) -> HttpResponse {
    match on_rejection {
        Some(hook) if !outcome.is_success() => hook.response(outcome),
        _ => outcome_response(outcome),
    }
}

fn payload_of(bytes: Bytes) -> Payload {
    let (_, mut pl) = actix_http::h1::Payload::create(true);
    pl.unread_data(bytes);
    Payload::from(pl)
}

/// Handler mode: wraps a resource or scope so that only verified, new deliveries reach its
/// handlers, with the raw body intact and the [`hookgate_core::Metadata`] in the request
/// extensions; the delivery is marked done on 2xx and released otherwise.
///
/// Build the [`Endpoint`] once, outside `HttpServer::new`, and clone it in: built inside, each
/// worker would get an in-memory store of its own, and a duplicate reaching another worker
/// would be processed again.
///
/// ```
/// use actix_web::{App, HttpResponse, web};
/// use hookgate_actix::{Endpoint, Preset, WebhookMeta, WebhookMiddleware};
///
/// let endpoint = Endpoint::preset(Preset::Github, &["s3cret"]).unwrap();
/// let app = move || {
///     App::new().service(
///         web::resource("/hooks")
///             .wrap(WebhookMiddleware::new(endpoint.clone()))
///             .route(web::post().to(|WebhookMeta(m): WebhookMeta| async move {
///                 HttpResponse::Ok().body(m.delivery_id().to_owned())
///             })),
///     )
/// };
/// // actix_web::HttpServer::new(app).bind(("127.0.0.1", 8080))?.run().await
/// # let _ = app;
/// ```
pub struct WebhookMiddleware<St = MemoryStore> {
    endpoint: Endpoint<St>,
    on_rejection: Option<Rc<dyn OnRejection>>,
}

impl<St> Clone for WebhookMiddleware<St> {
    fn clone(&self) -> Self {
        Self { endpoint: self.endpoint.clone(), on_rejection: self.on_rejection.clone() }
    }
}

impl<St: IdempotencyStore> WebhookMiddleware<St> {
    /// Handler mode for `endpoint`.
    pub fn new(endpoint: Endpoint<St>) -> Self {
        Self { endpoint, on_rejection: None }
    }

    /// Replaces the response written for refusals (every outcome but 200 duplicate). Keep the
    /// outcome's status and headers: senders rely on them.
    pub fn on_rejection(mut self, f: impl Fn(&Outcome) -> HttpResponse + 'static) -> Self {
        self.on_rejection = Some(Rc::new(f));
        self
    }
}

impl<S, B, St> Transform<S, ServiceRequest> for WebhookMiddleware<St>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    St: IdempotencyStore,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = WebhookMiddlewareService<S, St>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(WebhookMiddlewareService { service: Rc::new(service), config: self.clone() }))
    }
}

/// The service [`WebhookMiddleware`] wraps around a route.
pub struct WebhookMiddlewareService<S, St> {
    service: Rc<S>,
    config: WebhookMiddleware<St>,
}

impl<S, B, St> Service<ServiceRequest> for WebhookMiddlewareService<S, St>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    St: IdempotencyStore,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let WebhookMiddleware { endpoint, on_rejection } = self.config.clone();
        Box::pin(async move {
            // Kept to answer a refusal: the request itself goes to the flow.
            let http_req = req.request().clone();
            let payload = req.take_payload();
            let handled = endpoint
                .handle(Head(req), payload, |Head(mut req), metadata, body| async move {
                    req.extensions_mut().insert(metadata);
                    req.set_payload(payload_of(body));
                    let res = service.call(req).await;
                    let status = res.as_ref().map_or(500, |r| r.status().as_u16());
                    (res, status)
                })
                .await;
            match handled {
                Ok(res) => res.map(ServiceResponse::map_into_left_body),
                Err(outcome) => {
                    Ok(ServiceResponse::new(http_req, respond(&outcome, &on_rejection)).map_into_right_body())
                }
            }
        })
    }
}

/// Quick-ack mode: hands each verified, new delivery to a [`Sink`] (the in-process channel by
/// default) and answers 202 once the sink has it; the wrapped handler is never called.
///
/// ```
/// use actix_web::{App, HttpResponse, web};
/// use hookgate_actix::{Endpoint, Preset, QuickAck};
///
/// let endpoint = Endpoint::preset(Preset::Github, &["s3cret"]).unwrap();
/// let (tx, _rx) = hookgate_actix::channel(1024);
/// let app = move || {
///     App::new().service(
///         web::resource("/hooks").wrap(QuickAck::new(endpoint.clone(), tx.clone())).to(HttpResponse::NotFound),
///     )
/// };
/// # let _ = app;
/// ```
pub struct QuickAck<Sk = EventSender, St = MemoryStore> {
    endpoint: Endpoint<St>,
    sink: Arc<Sk>,
    on_rejection: Option<Rc<dyn OnRejection>>,
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
    pub fn on_rejection(mut self, f: impl Fn(&Outcome) -> HttpResponse + 'static) -> Self {
        self.on_rejection = Some(Rc::new(f));
        self
    }
}

impl<S, B, Sk, St> Transform<S, ServiceRequest> for QuickAck<Sk, St>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    Sk: Sink,
    St: IdempotencyStore,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = QuickAckService<Sk, St, B>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, _: S) -> Self::Future {
        ready(Ok(QuickAckService { config: self.clone(), body: PhantomData }))
    }
}

/// The service [`QuickAck`] puts on a route (`B`: the body type of the route it replaces).
pub struct QuickAckService<Sk, St, B> {
    config: QuickAck<Sk, St>,
    body: PhantomData<fn() -> B>,
}

impl<B, Sk, St> Service<ServiceRequest> for QuickAckService<Sk, St, B>
where
    B: MessageBody + 'static,
    Sk: Sink,
    St: IdempotencyStore,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    actix_web::dev::always_ready!();

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let QuickAck { endpoint, sink, on_rejection } = self.config.clone();
        Box::pin(async move {
            let payload = req.take_payload();
            let head = Head(req);
            let outcome = endpoint.quick_ack(&head, payload, &*sink).await;
            Ok(head.0.into_response(respond(&outcome, &on_rejection)).map_into_right_body())
        })
    }
}
