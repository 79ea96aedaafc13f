//! `bench-server MODE PORT` — MODE: `bare` (axum `Bytes` → 204), `handler` (same route behind
//! `WebhookLayer`), `quick-ack` (`QuickAck` + a consumer draining the channel), `actix-bare`
//! (actix-web `Bytes` → 204, one worker), `actix` (same route behind `WebhookMiddleware`),
//! `hand-rolled` (the axum `Bytes` route with the HMAC check people write by hand: HMAC-SHA256 of
//! the body, hex-decoded `X-Hub-Signature-256` compared in constant time; no replay window, no
//! dedupe — the calibration point for what one HMAC costs per request here), and four
//! calibration routes: `bare-headers` (the bare route also taking the `HeaderMap`), `bare-spin`
//! (the bare route spinning 3 µs per request), `bare-hmac` (the bare route computing the body's
//! HMAC and nothing else) and `actix-hmac` (the same on the bare actix route); `actix-hand-rolled`
//! is the hand-rolled check on the bare actix route (`HttpRequest` + `Bytes`). Durable quick-ack
//! (`HOOKGATE_REDIS_URL`, `HOOKGATE_NATS_URL`): `quick-ack-redis` (the Redis store, in-process
//! channel), `quick-ack-redis-stream` and `quick-ack-nats` (the broker sinks), and beside them the
//! hand-written routes with the same single broker call, `hand-redis-stream` and `hand-nats`.
//!
//! Single-threaded runtime: `bench/http.sh` pins it to one core. Completed deliveries are kept for
//! 1 ms only, so the load generator can cycle through a fixed set of signed requests and every
//! request is still a *new* delivery (claim → hand-off/handler → complete). Prints how many
//! deliveries were processed when it gets SIGTERM/Ctrl-C.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use hookgate_bench::{axum_app, brokers, endpoint, endpoint_with, quick_ack};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "bare".into());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(8080);
    if matches!(mode.as_str(), "actix-bare" | "actix" | "actix-hmac" | "actix-hand-rolled") {
        return actix(&mode, port);
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let processed = Arc::new(AtomicU64::new(0));
        let p = Arc::clone(&processed);
        let redis_url = || std::env::var("HOOKGATE_REDIS_URL").expect("HOOKGATE_REDIS_URL");
        let nats_url = || std::env::var("HOOKGATE_NATS_URL").expect("HOOKGATE_NATS_URL");
        let app = if mode == "quick-ack-redis" {
            let store = hookgate_redis::RedisStore::builder(redis_url()).build().await.expect("redis");
            quick_ack(endpoint_with(store), p)
        } else if mode == "quick-ack-redis-stream" {
            brokers::redis_stream(&redis_url()).await
        } else if mode == "hand-redis-stream" {
            brokers::hand_redis_stream(&redis_url(), p).await
        } else if mode == "quick-ack-nats" {
            brokers::nats(&nats_url()).await
        } else if mode == "hand-nats" {
            brokers::hand_nats(&nats_url(), p).await
        } else {
            axum_app(&mode, p).unwrap_or_else(|| {
                panic!("unknown mode {mode}: bare | bare-headers | bare-spin | bare-hmac | hand-rolled | handler | quick-ack | quick-ack-redis | quick-ack-redis-stream | hand-redis-stream | quick-ack-nats | hand-nats | actix-bare | actix | actix-hmac | actix-hand-rolled")
            })
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

fn actix(mode: &str, port: u16) {
    use actix_web::{App, HttpRequest, HttpResponse, HttpServer, Route, web};
    use hmac::{Hmac, Mac};
    let with_hookgate = mode == "actix";
    // `actix-hmac`: the bare route computing the body's HMAC and nothing else (calibration).
    let key = (mode == "actix-hmac")
        .then(|| Hmac::<sha2::Sha256>::new_from_slice(hookgate_bench::SECRET.as_bytes()).expect("key"));
    // `actix-hand-rolled`: the check people write by hand, as `hand-rolled` does on axum.
    let hand_rolled_key = (mode == "actix-hand-rolled").then(hookgate_bench::hand_rolled_key);
    let processed = Arc::new(AtomicU64::new(0));
    let route = move |p: Arc<AtomicU64>| -> Route {
        if let Some(key) = hand_rolled_key.clone() {
            return web::post().to(move |req: HttpRequest, body: Bytes| {
                let (p, mac) = (Arc::clone(&p), key.clone());
                async move {
                    let sent = req.headers().get("x-hub-signature-256").map(|v| v.as_bytes());
                    if !hookgate_bench::hand_rolled_accepts(sent, &body, mac) {
                        return HttpResponse::Unauthorized().finish();
                    }
                    p.fetch_add(1, Ordering::Relaxed);
                    HttpResponse::NoContent().finish()
                }
            });
        }
        let key = key.clone();
        web::post().to(move |body: Bytes| {
            let (p, key) = (Arc::clone(&p), key.clone());
            async move {
                if let Some(mut mac) = key {
                    mac.update(&body);
                    std::hint::black_box(mac.finalize().into_bytes());
                }
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
                        .wrap(hookgate_actix::WebhookMiddleware::new(endpoint()))
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
        eprintln!("bench-server {mode} on 127.0.0.1:{port}");
        server.await.expect("serve");
    });
    println!("processed {}", processed.load(Ordering::Relaxed));
}
