//! The middleware: a `Transform` ([`VerifyWebhooks`]) and its service.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpMessage, HttpResponse};
use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;
use hookgate_core::{
    BodyBuffer, Endpoint, EventSender, Headers, IdempotencyStore, MemoryStore, Outcome, VerifyError, VerifyErrorKind,
};

/// actix-web's header map as the core reads it (no copy).
#[derive(Debug, Clone, Copy)]
pub struct ActixHeaders<'a>(pub &'a HeaderMap);

impl Headers for ActixHeaders<'_> {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        self.each_value_of(&[name], &mut |_, v| each(v))
    }

    #[inline]
    fn each_value_of<'a>(&'a self, names: &[&str], each: &mut dyn FnMut(usize, &'a [u8])) {
        let map = self.0;
        let pairs = || map.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
        let hashed = |name: &str| map.get_all(name).map(|v| v.as_bytes());
        hookgate_core::header_values(map.len(), pairs, hashed, names, each);
    }
}

/// The contract's response for an outcome: status, its one header, a short `text/plain` body.
///
/// ```
/// let res = hookgate_actix::outcome_response(&hookgate_core::Outcome::MethodNotAllowed);
/// assert_eq!(res.status(), 405);
/// assert_eq!(res.headers().get("allow").unwrap(), "POST");
/// ```
pub fn outcome_response(outcome: &Outcome) -> HttpResponse {
    let status = StatusCode::from_u16(outcome.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"));
    if let Some((name, value)) = outcome.header() {
        res.insert_header((name, value));
    }
    res.body(outcome.body_text())
}

enum Mode {
    Handler,
    QuickAck(EventSender),
}

struct Inner<St> {
    endpoint: Endpoint<St>,
    mode: Mode,
}

/// Wraps a resource or scope so that only verified, new deliveries reach its handlers
/// ([`Self::new`]), or answers 202 after handing each off to a channel ([`Self::quick_ack`]).
pub struct VerifyWebhooks<St = MemoryStore> {
    inner: Rc<Inner<St>>,
}

impl<St> Clone for VerifyWebhooks<St> {
    fn clone(&self) -> Self {
        Self { inner: Rc::clone(&self.inner) }
    }
}

impl<St: IdempotencyStore> VerifyWebhooks<St> {
    /// Handler mode for `endpoint`.
    pub fn new(endpoint: Endpoint<St>) -> Self {
        Self { inner: Rc::new(Inner { endpoint, mode: Mode::Handler }) }
    }

    /// Quick-ack mode: verified, new deliveries go to `tx`; the response is 202.
    pub fn quick_ack(endpoint: Endpoint<St>, tx: EventSender) -> Self {
        Self { inner: Rc::new(Inner { endpoint, mode: Mode::QuickAck(tx) }) }
    }
}

impl<S, B, St> Transform<S, ServiceRequest> for VerifyWebhooks<St>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    St: IdempotencyStore,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = VerifyWebhooksMiddleware<S, St>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(VerifyWebhooksMiddleware { service: Rc::new(service), inner: Rc::clone(&self.inner) }))
    }
}

/// The service [`VerifyWebhooks`] wraps around a route.
pub struct VerifyWebhooksMiddleware<S, St> {
    service: Rc<S>,
    inner: Rc<Inner<St>>,
}

/// Reads the body, refusing (413) as soon as it passes the limit.
async fn read_limited<St: IdempotencyStore>(
    endpoint: &Endpoint<St>,
    req: &mut ServiceRequest,
) -> Result<Bytes, Outcome> {
    endpoint.check_method(req.method().as_str(), &ActixHeaders(req.headers()))?;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    endpoint.check_content_length(declared, &ActixHeaders(req.headers()))?;
    let limit = endpoint.max_body_bytes();
    let mut payload = req.take_payload();
    let mut body = BodyBuffer::new(limit, declared);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::info!(endpoint = endpoint.name(), error = %e, "webhook refused: body could not be read");
            Outcome::Rejected(
                VerifyError::new(VerifyErrorKind::MalformedHeader).detail("request body could not be read"),
            )
        })?;
        body.push(chunk).map_err(|_| endpoint.too_large(&ActixHeaders(req.headers())))?;
    }
    Ok(body.finish())
}

fn payload_of(bytes: Bytes) -> Payload {
    let (_, mut pl) = actix_http::h1::Payload::create(true);
    pl.unread_data(bytes);
    Payload::from(pl)
}

impl<S, B, St> Service<ServiceRequest> for VerifyWebhooksMiddleware<S, St>
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
        let inner = Rc::clone(&self.inner);
        Box::pin(async move {
            let answer =
                |req: ServiceRequest, o: &Outcome| Ok(req.into_response(outcome_response(o)).map_into_right_body());
            let endpoint = &inner.endpoint;
            let bytes = match read_limited(endpoint, &mut req).await {
                Ok(b) => b,
                Err(o) => return answer(req, &o),
            };
            let verified = match endpoint.verify(&ActixHeaders(req.headers()), &bytes) {
                Ok(v) => v,
                Err(o) => return answer(req, &o),
            };
            match &inner.mode {
                Mode::QuickAck(tx) => {
                    let o = endpoint.hand_off(verified, bytes, tx).await;
                    answer(req, &o)
                }
                Mode::Handler => {
                    let guard = match endpoint.begin(verified).await {
                        Ok(g) => g,
                        Err(o) => return answer(req, &o),
                    };
                    req.extensions_mut().insert(guard.metadata().clone());
                    req.set_payload(payload_of(bytes));
                    match service.call(req).await {
                        Ok(res) => {
                            guard.finish(res.status().as_u16()).await;
                            Ok(res.map_into_left_body())
                        }
                        Err(e) => {
                            guard.finish(500).await;
                            Err(e)
                        }
                    }
                }
            }
        })
    }
}
