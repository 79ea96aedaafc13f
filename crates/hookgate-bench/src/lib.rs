//! Shared pieces of hookgate's HTTP benchmarks: the 1 KiB signed body, the secret, and the axum
//! apps `bench-server` serves (and `router-cost` calls in process).
//! Run `bench/http.sh`; figures are recorded in `BENCHMARKS.md`.

pub mod brokers;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use bytes::Bytes;
use hookgate_core::{Endpoint, IdempotencyStore, MemoryStore, Preset, Secret, SignOptions, Verifier};
use hookgate_tower::{QuickAck, WebhookLayer};

/// The secret every benchmark server and request uses.
pub const SECRET: &str = "bench-secret-of-32-characters!!!";

/// A 1 KiB JSON body (GitHub-like push event), varied by `n` so deliveries differ.
pub fn body(n: usize) -> String {
    let head = format!(r#"{{"ref":"refs/heads/main","delivery":"{n:08}","pad":""#);
    let mut b = head;
    b.push_str(&"x".repeat(1024 - b.len() - 2));
    b.push_str(r#""}"#);
    debug_assert_eq!(b.len(), 1024);
    b
}

/// Delivery `n`: its body and the GitHub headers signing it (id `bench-<n>`, event `push`).
pub fn signed(n: usize) -> (String, Vec<(String, String)>) {
    let b = body(n);
    let id = format!("bench-{n:08}");
    let secret = Secret::hmac(SECRET).expect("secret");
    let opts = SignOptions { id: Some(&id), event_type: Some("push"), ..Default::default() };
    let headers = Preset::Github.scheme().sign(&secret, b.as_bytes(), &opts).expect("sign");
    (b, headers)
}

/// The benchmark endpoint: GitHub preset, the memory store, completed deliveries kept 1 ms (so a
/// fixed set of requests can be cycled and each one is still a new delivery).
pub fn endpoint() -> Endpoint {
    endpoint_with(MemoryStore::new())
}

/// [`endpoint`] on another store.
pub fn endpoint_with<St: IdempotencyStore>(store: St) -> Endpoint<St> {
    let v = Verifier::for_preset(Preset::Github, &[SECRET]).expect("secret");
    Endpoint::builder("/webhooks", v).store(store).ttl(Duration::from_millis(1)).build().expect("endpoint")
}

/// The axum app of `mode` (`bare`, `hand-rolled`, `handler`, `quick-ack`, and three calibration
/// routes: `bare-headers`, `bare-spin`, `bare-hmac`), counting processed
/// deliveries in `processed`. Quick-ack spawns its consumer: call it inside a tokio runtime.
pub fn axum_app(mode: &str, processed: Arc<AtomicU64>) -> Option<Router> {
    Some(match mode {
        "bare" => bytes_route(processed),
        "bare-headers" => headers_route(processed),
        "bare-spin" => spin_route(processed),
        "bare-hmac" => hmac_route(processed),
        "hand-rolled" => hand_rolled(processed),
        "handler" => bytes_route(processed).layer(WebhookLayer::new(endpoint())),
        "quick-ack" => quick_ack(endpoint(), processed),
        _ => return None,
    })
}

/// `route_service("/webhooks", QuickAck)` on `endpoint`, with a consumer task draining the channel.
pub fn quick_ack<St: IdempotencyStore>(endpoint: Endpoint<St>, processed: Arc<AtomicU64>) -> Router {
    let (tx, mut rx) = hookgate_core::channel(65_536);
    tokio::spawn(async move {
        while let Some(ev) = rx.recv().await {
            std::hint::black_box(ev);
            processed.fetch_add(1, Ordering::Relaxed);
        }
    });
    Router::new().route_service("/webhooks", QuickAck::new(endpoint, tx))
}

/// The bare route: `Bytes` → 204.
fn bytes_route(processed: Arc<AtomicU64>) -> Router {
    bytes_route_doing(processed, |_| {})
}

/// The bare route doing `work` with each body before answering (the calibration routes).
fn bytes_route_doing(processed: Arc<AtomicU64>, work: impl Fn(&Bytes) + Clone + Send + Sync + 'static) -> Router {
    Router::new().route(
        "/webhooks",
        post(move |body: Bytes| {
            let (p, work) = (Arc::clone(&processed), work.clone());
            async move {
                work(&body);
                std::hint::black_box(&body);
                p.fetch_add(1, Ordering::Relaxed);
                StatusCode::NO_CONTENT
            }
        }),
    )
}

/// Calibration: the bare route that also takes the `HeaderMap`, so the request's headers are held
/// while its body arrives (as any check of headers and body must): what that alone costs here.
fn headers_route(processed: Arc<AtomicU64>) -> Router {
    Router::new().route(
        "/webhooks",
        post(move |headers: axum::http::HeaderMap, body: Bytes| {
            let p = Arc::clone(&processed);
            async move {
                std::hint::black_box((&headers, &body));
                p.fetch_add(1, Ordering::Relaxed);
                StatusCode::NO_CONTENT
            }
        }),
    )
}

/// Calibration: the bare route plus 3 µs of spinning: what 3 µs of work per request costs in
/// requests per second on this machine, with nothing else changed.
fn spin_route(processed: Arc<AtomicU64>) -> Router {
    bytes_route_doing(processed, |_| {
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_micros(3) {
            std::hint::spin_loop();
        }
    })
}

/// Calibration: the bare route plus the HMAC-SHA256 of the body with a precomputed key, and
/// nothing else (no header read, no compare): the least any verifying route must do.
fn hmac_route(processed: Arc<AtomicU64>) -> Router {
    use hmac::{Hmac, Mac};
    let key = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    bytes_route_doing(processed, move |body| {
        let mut mac = key.clone();
        mac.update(body);
        std::hint::black_box(mac.finalize().into_bytes());
    })
}

/// The HMAC key of the hand-rolled checks, precomputed once as a careful user does.
pub fn hand_rolled_key() -> hmac::Hmac<sha2::Sha256> {
    use hmac::Mac;
    hmac::Hmac::new_from_slice(SECRET.as_bytes()).expect("key")
}

/// The check a careful user writes inside the handler (the `hand-rolled` rows, axum and actix):
/// the `X-Hub-Signature-256` value without its `sha256=`, hex-decoded, against the HMAC of the body
/// compared in constant time. No replay window, no dedupe.
pub fn hand_rolled_accepts(signature: Option<&[u8]>, body: &[u8], mut mac: hmac::Hmac<sha2::Sha256>) -> bool {
    use hmac::Mac;
    use subtle::ConstantTimeEq;
    let Some(Ok(sent)) = signature.and_then(|v| v.strip_prefix(b"sha256=")).map(hex::decode) else { return false };
    mac.update(body);
    bool::from(mac.finalize().into_bytes().as_slice().ct_eq(&sent))
}

/// The check a careful user writes inside the handler, with a precomputed key.
fn hand_rolled(processed: Arc<AtomicU64>) -> Router {
    let key = hand_rolled_key();
    Router::new().route(
        "/webhooks",
        post(move |headers: axum::http::HeaderMap, body: Bytes| {
            let (p, mac) = (Arc::clone(&processed), key.clone());
            async move {
                let sent = headers.get("x-hub-signature-256").map(|v| v.as_bytes());
                if !hand_rolled_accepts(sent, &body, mac) {
                    return StatusCode::UNAUTHORIZED;
                }
                p.fetch_add(1, Ordering::Relaxed);
                StatusCode::NO_CONTENT
            }
        }),
    )
}
