//! `bench-server MODE PORT` — MODE: `bare` (axum `Bytes` → 204), `handler` (same route behind
//! `WebhookLayer`), `quick-ack` (`QuickAck` + a consumer draining the channel), `actix-bare`
//! (actix-web `Bytes` → 204, one worker), `actix` (same route behind `VerifyWebhooks`),
//! `hand-rolled` (the axum `Bytes` route with the HMAC check people write by hand: HMAC-SHA256 of
//! the body, hex-decoded `X-Hub-Signature-256` compared in constant time; no replay window, no
//! dedupe — the calibration point for what one HMAC costs per request here).
//!
//! Single-threaded runtime: `bench/http.sh` pins it to one core. Completed deliveries are kept for
//! 1 ms only, so the load generator can cycle through a fixed set of signed requests and every
//! request is still a *new* delivery (claim → hand-off/handler → complete). Prints how many
//! deliveries were processed when it gets SIGTERM/Ctrl-C.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use bytes::Bytes;
use hookgate_bench::SECRET;
use hookgate_core::{Endpoint, Preset, Verifier};
use hookgate_tower::{QuickAck, WebhookLayer};

fn endpoint() -> Endpoint {
    endpoint_with(hookgate_core::MemoryStore::new())
}

fn endpoint_with<St: hookgate_core::IdempotencyStore>(store: St) -> Endpoint<St> {
    let v = Verifier::for_preset(Preset::Github, &[SECRET]).expect("secret");
    Endpoint::builder("/webhooks", v).store(store).ttl(Duration::from_millis(1)).build().expect("endpoint")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "bare".into());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(8080);
    if mode.starts_with("actix") {
        return actix(mode == "actix", port);
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let processed = Arc::new(AtomicU64::new(0));
        let p = Arc::clone(&processed);
        // The same `Bytes` → 204 handler, bare or behind hookgate.
        let bytes_route = |p: Arc<AtomicU64>| {
            Router::new().route(
                "/webhooks",
                post(move |body: Bytes| {
                    let p = Arc::clone(&p);
                    async move {
                        std::hint::black_box(&body);
                        p.fetch_add(1, Ordering::Relaxed);
                        StatusCode::NO_CONTENT
                    }
                }),
            )
        };
        let app = match mode.as_str() {
            "bare" => bytes_route(p),
            "hand-rolled" => hand_rolled(p),
            "handler" => bytes_route(p).layer(WebhookLayer::new(endpoint())),
            "quick-ack" | "quick-ack-redis" => {
                let (tx, mut rx) = hookgate_core::channel(65_536);
                tokio::spawn(async move {
                    while let Some(ev) = rx.recv().await {
                        std::hint::black_box(ev);
                        p.fetch_add(1, Ordering::Relaxed);
                    }
                });
                if mode == "quick-ack-redis" {
                    let url = std::env::var("HOOKGATE_REDIS_URL").expect("HOOKGATE_REDIS_URL");
                    let store = hookgate_redis::RedisStore::builder(url).build().await.expect("redis");
                    let ep = endpoint_with(store);
                    Router::new().route_service("/webhooks", QuickAck::new(ep, tx))
                } else {
                    Router::new().route_service("/webhooks", QuickAck::new(endpoint(), tx))
                }
            }
            other => panic!("unknown mode {other}: bare | handler | quick-ack"),
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        eprintln!("bench-server {mode} on 127.0.0.1:{port}");
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let mut term =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal");
                tokio::select! { _ = term.recv() => {}, _ = tokio::signal::ctrl_c() => {} }
            })
            .await
            .expect("serve");
        println!("processed {}", processed.load(Ordering::Relaxed));
    });
}

/// The check a careful user writes inside the handler, with a precomputed key.
fn hand_rolled(p: Arc<AtomicU64>) -> Router {
    use hmac::{Hmac, Mac};
    use subtle::ConstantTimeEq;
    let key = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    Router::new().route(
        "/webhooks",
        post(move |headers: axum::http::HeaderMap, body: Bytes| {
            let (p, mut mac) = (Arc::clone(&p), key.clone());
            async move {
                let sent = headers.get("x-hub-signature-256").and_then(|v| v.as_bytes().strip_prefix(b"sha256="));
                let Some(Ok(sent)) = sent.map(hex::decode) else { return StatusCode::UNAUTHORIZED };
                mac.update(&body);
                if !bool::from(mac.finalize().into_bytes().as_slice().ct_eq(&sent)) {
                    return StatusCode::UNAUTHORIZED;
                }
                p.fetch_add(1, Ordering::Relaxed);
                StatusCode::NO_CONTENT
            }
        }),
    )
}

fn actix(with_hookgate: bool, port: u16) {
    use actix_web::{App, HttpResponse, HttpServer, Route, web};
    let processed = Arc::new(AtomicU64::new(0));
    let route = |p: Arc<AtomicU64>| -> Route {
        web::post().to(move |body: Bytes| {
            let p = Arc::clone(&p);
            async move {
                std::hint::black_box(&body);
                p.fetch_add(1, Ordering::Relaxed);
                HttpResponse::NoContent().finish()
            }
        })
    };
    let p = Arc::clone(&processed);
    actix_web::rt::System::new().block_on(async move {
        let server = if with_hookgate {
            HttpServer::new(move || {
                App::new().service(
                    web::resource("/webhooks")
                        .wrap(hookgate_actix::VerifyWebhooks::new(endpoint()))
                        .route(route(Arc::clone(&p))),
                )
            })
            .workers(1)
            .bind(("127.0.0.1", port))
            .expect("bind")
            .run()
        } else {
            HttpServer::new(move || App::new().service(web::resource("/webhooks").route(route(Arc::clone(&p)))))
                .workers(1)
                .bind(("127.0.0.1", port))
                .expect("bind")
                .run()
        };
        eprintln!("bench-server actix (hookgate: {with_hookgate}) on 127.0.0.1:{port}");
        server.await.expect("serve");
    });
    println!("processed {}", processed.load(Ordering::Relaxed));
}
