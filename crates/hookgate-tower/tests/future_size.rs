//! Each request allocates its service future once (a `Box`). glibc serves blocks up to 1,032
//! bytes from a per-thread cache; a larger future takes the slow path on every request (and, at
//! 1 KiB and above, makes malloc consolidate its free lists): ~700 instructions per request in
//! `router-cost` (BENCHMARKS.md §3). These tests keep both futures under that size for an axum
//! route and the in-memory store, so a change that grows them fails here rather than in a
//! benchmark nobody reruns.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::{Route, post};
use hookgate_core::{Endpoint, MemoryStore, Preset, Verifier};
use hookgate_tower::{QuickAck, WebhookLayer, WebhookService};
use tower::{Layer, Service};

/// The largest request glibc's per-thread cache serves (`tcache_max_bytes`).
const SMALL_BLOCK: usize = 1032;

fn endpoint() -> Endpoint {
    Endpoint::builder("/hooks", Verifier::for_preset(Preset::Github, &["s"]).unwrap()).build().unwrap()
}

fn request() -> Request<Body> {
    Request::post("/hooks").body(Body::from("{}")).unwrap()
}

/// `WebhookLayer` as axum applies it, keeping the service it builds around axum's `Route`.
#[derive(Clone)]
struct Keep(WebhookLayer, Arc<Mutex<Option<WebhookService<Route, MemoryStore>>>>);

impl Layer<Route> for Keep {
    type Service = WebhookService<Route, MemoryStore>;
    fn layer(&self, route: Route) -> Self::Service {
        let service = self.0.layer(route);
        *self.1.lock().unwrap() = Some(service.clone());
        service
    }
}

#[test]
fn handler_mode_future_fits_a_small_block() {
    let kept = Arc::new(Mutex::new(None));
    let _app: Router = Router::new()
        .route("/hooks", post(|| async { StatusCode::NO_CONTENT }))
        .layer(Keep(WebhookLayer::new(endpoint()), Arc::clone(&kept)));
    let mut service = kept.lock().unwrap().take().expect("axum applied the layer to the route");
    let future = service.call(request());
    let size = std::mem::size_of_val(&*future);
    assert!(size <= SMALL_BLOCK, "WebhookService's future is {size} bytes, more than {SMALL_BLOCK}");
}

#[test]
fn quick_ack_future_fits_a_small_block() {
    let (tx, _rx) = hookgate_core::channel(8);
    let mut service = QuickAck::new(endpoint(), tx);
    let future = Service::<Request<Body>>::call(&mut service, request());
    let size = std::mem::size_of_val(&*future);
    assert!(size <= SMALL_BLOCK, "QuickAck's future is {size} bytes, more than {SMALL_BLOCK}");
}
