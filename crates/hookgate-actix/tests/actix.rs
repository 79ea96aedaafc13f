//! actix-specific checks: concurrency, typed extractors, missing middleware, handler failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{App, HttpResponse, test, web};
use hookgate_actix::{Endpoint, Preset, TestRequest, Verifier};
use hookgate_actix::{RawWebhook, Webhook, WebhookMeta, WebhookMiddleware};

const SECRET: &str = "actix-secret";

fn endpoint(p: Preset) -> Endpoint {
    Endpoint::builder("/hooks", Verifier::for_preset(p, &[SECRET]).unwrap()).build().unwrap()
}

fn signed(p: Preset, id: &str, body: &str) -> test::TestRequest {
    let signed = TestRequest::signed(p, SECRET, body.to_owned()).id(id).event_type("e");
    let mut r = test::TestRequest::post().uri("/hooks").set_payload(body.to_owned());
    for (k, v) in signed.headers() {
        r = r.insert_header((k.as_str(), v.as_str()));
    }
    r
}

#[actix_web::test]
async fn five_hundred_concurrent_duplicates_run_the_handler_once() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&runs);
    let app = test::init_service(App::new().service(
        web::resource("/hooks").wrap(WebhookMiddleware::new(endpoint(Preset::Github))).route(web::post().to(
            move || {
                let r = Arc::clone(&r);
                async move {
                    // Yield so that the other requests really overlap this one.
                    actix_web::rt::task::yield_now().await;
                    r.fetch_add(1, Ordering::SeqCst);
                    HttpResponse::Ok().finish()
                }
            },
        )),
    ))
    .await;
    let reqs: Vec<_> =
        (0..500).map(|_| test::call_service(&app, signed(Preset::Github, "same", "{}").to_request())).collect();
    let answers = futures_join_all(reqs).await;
    assert!(answers.iter().all(|s| *s == 200 || *s == 409), "{answers:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

async fn futures_join_all<F: std::future::Future<Output = actix_web::dev::ServiceResponse>>(fs: Vec<F>) -> Vec<u16> {
    let mut set = Vec::new();
    for f in fs {
        set.push(Box::pin(f));
    }
    let mut out = Vec::new();
    // Poll them all concurrently on this (single-threaded) runtime.
    let mut pending: Vec<_> = set.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for slot in pending.iter_mut() {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(res) => {
                        out.push(res.status().as_u16());
                        *slot = None;
                    }
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    out
}

#[actix_web::test]
async fn typed_raw_meta_extractors_and_missing_middleware() {
    use hookgate_core::providers::twabot;
    let app = test::init_service(
        App::new()
            .service(web::resource("/hooks").wrap(WebhookMiddleware::new(endpoint(Preset::Twabot))).route(
                web::post().to(|Webhook { payload, metadata }: Webhook<twabot::Event>| async move {
                    HttpResponse::Ok().body(format!("{} {}", payload.kind.event_type(), metadata.delivery_id()))
                }),
            ))
            .service(web::resource("/raw").wrap(WebhookMiddleware::new(endpoint(Preset::Github))).route(
                web::post().to(|RawWebhook { body, .. }: RawWebhook| async move {
                    HttpResponse::Ok().body(body.len().to_string())
                }),
            ))
            .service(
                web::resource("/bare")
                    .route(web::post().to(|WebhookMeta(_): WebhookMeta| async { HttpResponse::Ok().finish() })),
            ),
    )
    .await;
    let body = r#"{"event":"ai.replied","timestamp":"2026-04-02T10:30:48.000Z","data":{"message_id":"wamid.7","ai_response":"hi"}}"#;
    let res = test::call_service(&app, signed(Preset::Twabot, "x", body).to_request()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(test::read_body(res).await, "ai.replied wamid.7");

    let res = test::call_service(&app, signed(Preset::Twabot, "x", r#"{"nope":1}"#).to_request()).await;
    assert_eq!(res.status(), 422);

    let res = test::call_service(&app, signed(Preset::Github, "r", "0123456789").uri("/raw").to_request()).await;
    assert_eq!(test::read_body(res).await, "10");

    let res = test::call_service(&app, signed(Preset::Github, "b", "{}").uri("/bare").to_request()).await;
    assert_eq!(res.status(), 500);
    assert!(String::from_utf8_lossy(&test::read_body(res).await).contains("without hookgate_actix::WebhookMiddleware"));
}

#[actix_web::test]
async fn handler_failure_then_successful_retry() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&runs);
    let app = test::init_service(App::new().service(
        web::resource("/hooks").wrap(WebhookMiddleware::new(endpoint(Preset::Stripe))).route(web::post().to(
            move || {
                let n = r.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 { HttpResponse::InternalServerError().finish() } else { HttpResponse::Ok().finish() }
                }
            },
        )),
    ))
    .await;
    let body = r#"{"id":"evt_1","type":"x"}"#;
    assert_eq!(test::call_service(&app, signed(Preset::Stripe, "", body).to_request()).await.status(), 500);
    assert_eq!(test::call_service(&app, signed(Preset::Stripe, "", body).to_request()).await.status(), 200);
    let dup = test::call_service(&app, signed(Preset::Stripe, "", body).to_request()).await;
    assert_eq!(
        (dup.status().as_u16(), dup.headers().get("hookgate-duplicate").unwrap().to_str().unwrap()),
        (200, "true")
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// A body that arrives in several chunks (and one over the limit) is read exactly.
#[actix_web::test]
async fn chunked_bodies_are_read_exactly_and_limited() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let ep = Endpoint::builder("/hooks", Verifier::for_preset(Preset::Github, &[SECRET]).unwrap())
        .max_body_bytes(4096)
        .build()
        .unwrap();
    let app = test::init_service(App::new().service(web::resource("/hooks").wrap(WebhookMiddleware::new(ep)).route(
        web::post().to(move |body: bytes::Bytes| {
            let s = Arc::clone(&s);
            async move {
                s.lock().unwrap().push(body);
                HttpResponse::Ok().finish()
            }
        }),
    )))
    .await;
    let chunked = |req: test::TestRequest, body: &[u8], parts: usize| {
        let (mut sender, payload) = actix_http::h1::Payload::create(false);
        for c in body.chunks(body.len().div_ceil(parts)) {
            sender.feed_data(bytes::Bytes::copy_from_slice(c));
        }
        sender.feed_eof();
        req.to_request().replace_payload(actix_http::Payload::from(payload)).0
    };
    for parts in [1, 3, 7] {
        let body = format!(r#"{{"n":{parts},"pad":"{}"}}"#, "x".repeat(900));
        let res = test::call_service(
            &app,
            chunked(signed(Preset::Github, &format!("c{parts}"), &body), body.as_bytes(), parts),
        )
        .await;
        assert_eq!(res.status(), 200, "{parts} chunks");
        assert_eq!(seen.lock().unwrap().last().unwrap().as_ref(), body.as_bytes());
    }
    // Over the limit, in chunks and without a Content-Length: 413.
    let body = "y".repeat(4097);
    let req = test::TestRequest::post().uri("/hooks");
    let res = test::call_service(&app, chunked(req, body.as_bytes(), 5)).await;
    assert_eq!(res.status(), 413);
}

/// The endpoint built once outside `HttpServer::new` and cloned into every worker's app, as the
/// README shows: 20 sends of one delivery over 4 connections reach the handler once, whichever
/// worker serves them. (`test` is actix-web's module here: the attribute is named in full.)
#[::core::prelude::v1::test]
fn one_endpoint_shared_by_several_workers_keeps_duplicates_duplicates() {
    use std::io::{Read as _, Write as _};

    let runs = Arc::new(AtomicUsize::new(0));
    let endpoint = endpoint(Preset::Github);
    let req = TestRequest::signed(Preset::Github, SECRET, "{}").id("shared-by-workers").event_type("push");
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let r = Arc::clone(&runs);
    let server = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || {
                let r = Arc::clone(&r);
                App::new().service(web::resource("/hooks").wrap(WebhookMiddleware::new(endpoint.clone())).route(
                    web::post().to(move || {
                        r.fetch_add(1, Ordering::SeqCst);
                        async { HttpResponse::Ok().finish() }
                    }),
                ))
            })
            .workers(4)
            .bind(("127.0.0.1", 0))
            .unwrap();
            addr_tx.send(server.addrs()[0]).unwrap();
            let server = server.run();
            let handle = server.handle();
            actix_web::rt::spawn(async move {
                actix_web::rt::time::sleep(std::time::Duration::from_secs(10)).await;
                handle.stop(false).await;
            });
            server.await.unwrap();
        })
    });
    let addr = addr_rx.recv().unwrap();
    let mut head = "POST /hooks HTTP/1.1\r\nhost: test\r\ncontent-length: 2\r\n".to_owned();
    for (k, v) in req.headers() {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let request = format!("{head}\r\n{{}}");
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let request = request.clone();
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                for _ in 0..5 {
                    let mut conn = std::net::TcpStream::connect(addr).unwrap();
                    conn.write_all(request.as_bytes()).unwrap();
                    conn.write_all(b"").unwrap();
                    let mut answer = [0u8; 12];
                    conn.read_exact(&mut answer).unwrap();
                    statuses.push(String::from_utf8_lossy(&answer[9..12]).into_owned());
                }
                statuses
            })
        })
        .collect();
    let statuses: Vec<String> = clients.into_iter().flat_map(|c| c.join().unwrap()).collect();
    assert_eq!(statuses.len(), 20);
    assert!(statuses.iter().all(|s| s == "200" || s == "409"), "{statuses:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the handler ran once for 20 sends: {statuses:?}");
    drop(server);
}
