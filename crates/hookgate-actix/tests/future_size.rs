//! The middleware allocates its future once per request (a `Box`). glibc serves blocks up to
//! 1,032 bytes from a per-thread cache; a larger future takes malloc's slow path on every request
//! (BENCHMARKS.md §3). This keeps the middleware's future under that size on a real actix
//! resource, in both modes, so a change that grows it fails here.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{App, HttpResponse, test, web};
use hookgate_actix::{VerifyWebhooks, VerifyWebhooksMiddleware};
use hookgate_core::{Endpoint, MemoryStore, Preset, Verifier};

/// The largest request glibc's per-thread cache serves (`tcache_max_bytes`).
const SMALL_BLOCK: usize = 1032;

type Boxed<T> = Pin<Box<dyn Future<Output = T>>>;

/// `VerifyWebhooks`, recording the size of each future its middleware returns.
struct Measure(VerifyWebhooks, Rc<Cell<usize>>);

impl<S, B> Transform<S, ServiceRequest> for Measure
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = Measured<S>;
    type InitError = ();
    type Future = Boxed<Result<Measured<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let middleware = self.0.new_transform(service);
        let size = Rc::clone(&self.1);
        Box::pin(async move { Ok(Measured { middleware: middleware.await?, size }) })
    }
}

struct Measured<S> {
    middleware: VerifyWebhooksMiddleware<S, MemoryStore>,
    size: Rc<Cell<usize>>,
}

impl<S, B> Service<ServiceRequest> for Measured<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Boxed<Result<Self::Response, Self::Error>>;

    forward_ready!(middleware);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let future = self.middleware.call(req);
        self.size.set(std::mem::size_of_val(&*future));
        future
    }
}

fn endpoint() -> Endpoint {
    Endpoint::builder("/hooks", Verifier::for_preset(Preset::Github, &["s"]).unwrap()).build().unwrap()
}

async fn future_size(middleware: VerifyWebhooks) -> usize {
    let size = Rc::new(Cell::new(0));
    let app = test::init_service(
        App::new().service(
            web::resource("/hooks")
                .wrap(Measure(middleware, Rc::clone(&size)))
                .route(web::post().to(|| async { HttpResponse::NoContent().finish() })),
        ),
    )
    .await;
    // Unsigned: refused, but the future was built (and measured) all the same.
    let res = test::call_service(&app, test::TestRequest::post().uri("/hooks").to_request()).await;
    assert_eq!(res.status(), 401);
    size.get()
}

#[actix_web::test]
async fn handler_mode_future_fits_a_small_block() {
    let size = future_size(VerifyWebhooks::new(endpoint())).await;
    assert!(size > 0, "the middleware was called");
    assert!(size <= SMALL_BLOCK, "the middleware's future is {size} bytes, more than {SMALL_BLOCK}");
}

#[actix_web::test]
async fn quick_ack_future_fits_a_small_block() {
    let (tx, _rx) = hookgate_core::channel(8);
    let size = future_size(VerifyWebhooks::quick_ack(endpoint(), tx)).await;
    assert!(size > 0, "the middleware was called");
    assert!(size <= SMALL_BLOCK, "the middleware's future is {size} bytes, more than {SMALL_BLOCK}");
}
