//! Every row of the response table (`docs/behaviour.md`) through the tower adapter, for every preset, in both modes.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use hookgate_core::{Endpoint, ManualClock, Preset, TestRequest, Verifier};
use hookgate_tower::{QuickAck, RawWebhook, Webhook, WebhookLayer, WebhookMeta};
use tower::ServiceExt;

const NOW: u64 = 1_700_000_000;

/// Where the endpoint is, as the provider calls it (presets that sign the URL sign this).
const URL: &str = "http://localhost/hooks";

fn secret_for(p: Preset) -> &'static str {
    hookgate_core::example_secret(p)
}

fn delivery(p: Preset, id: &str, ts: i64) -> TestRequest {
    TestRequest::delivery(p, secret_for(p), id).url(URL).timestamp(ts).header("content-type", "application/json")
}

fn signed(p: Preset, id: &str, ts: i64) -> Request<Body> {
    hookgate_tower::http_request("/hooks", &delivery(p, id, ts)).map(Body::new)
}

fn endpoint(p: Preset, clock: &ManualClock) -> Endpoint {
    let v = Verifier::for_preset(p, &[secret_for(p)]).unwrap();
    Endpoint::builder("/hooks", v).clock(clock.clone()).max_body_bytes(64 * 1024).public_url(URL).build().unwrap()
}

fn handler_app(p: Preset, calls: Arc<AtomicUsize>, status: StatusCode, clock: &ManualClock) -> Router {
    Router::new()
        .route(
            "/hooks",
            post(move |WebhookMeta(meta): WebhookMeta, body: Bytes| {
                let calls = Arc::clone(&calls);
                async move {
                    assert!(!body.is_empty(), "raw body intact for the handler");
                    assert!(!meta.delivery_id().is_empty());
                    calls.fetch_add(1, Ordering::SeqCst);
                    status
                }
            }),
        )
        .layer(WebhookLayer::new(endpoint(p, clock)))
}

async fn status_of(app: &Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap) {
    let res = app.clone().oneshot(req).await.unwrap();
    (res.status(), res.headers().clone())
}

fn with_header(mut req: Request<Body>, name: &str, value: &str) -> Request<Body> {
    req.headers_mut().insert(axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
    req
}

#[tokio::test]
async fn every_preset_every_row_handler_mode() {
    for p in Preset::ALL {
        let clock = ManualClock::from_unix(NOW);
        let calls = Arc::new(AtomicUsize::new(0));
        let app = handler_app(p, Arc::clone(&calls), StatusCode::NO_CONTENT, &clock);
        let ts = NOW as i64;

        // valid → handler's response; duplicate → 200 + header, handler not called again
        assert_eq!(status_of(&app, signed(p, "d1", ts)).await.0, StatusCode::NO_CONTENT, "{p}");
        let (s, h) = status_of(&app, signed(p, "d1", ts)).await;
        assert_eq!(
            (s, h.get("hookgate-duplicate").map(|v| v.to_str().unwrap())),
            (StatusCode::OK, Some("true")),
            "{p}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{p}");

        // The header-signature rows; Mailgun (signed inside the body) and GitLab (a token that
        // covers no content) have theirs in the workspace contract table.
        let scheme = p.scheme();
        if scheme.signature_field().is_none() && scheme.algorithm() != hookgate_core::Algorithm::Token {
            // invalid signature: the body was changed
            let req = delivery(p, "d2", ts);
            let body = String::from_utf8_lossy(req.bytes()).replace("\"e\"", "\"E\"");
            let tampered = hookgate_tower::http_request("/hooks", &req.tampered(body)).map(Body::new);
            assert_eq!(status_of(&app, tampered).await.0, StatusCode::UNAUTHORIZED, "{p}");

            // signature missing
            let mut req = signed(p, "d3", ts);
            req.headers_mut().remove(scheme.signature_header());
            assert_eq!(status_of(&app, req).await.0, StatusCode::UNAUTHORIZED, "{p}");

            // malformed signature header
            let req = with_header(signed(p, "d4", ts), scheme.signature_header(), "%%%not-a-signature%%%");
            assert_eq!(status_of(&app, req).await.0, StatusCode::BAD_REQUEST, "{p}");
        }

        // stale and future, where the preset enforces a timestamp
        if p.scheme().enforces_timestamp() {
            assert_eq!(status_of(&app, signed(p, "d5", ts - 301)).await.0, StatusCode::UNAUTHORIZED, "{p}");
            assert_eq!(status_of(&app, signed(p, "d6", ts + 301)).await.0, StatusCode::UNAUTHORIZED, "{p}");
        }

        // 405
        let (s, h) = status_of(&app, Request::get("/hooks").body(Body::empty()).unwrap()).await;
        // axum's router answers GET on a POST route itself; either way: 405 + Allow.
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{p}");
        assert!(h.get("allow").is_some());

        assert_eq!(calls.load(Ordering::SeqCst), 1, "{p}: refused requests must not reach the handler");
    }
}

#[tokio::test]
async fn every_preset_quick_ack_202_then_duplicate() {
    for p in Preset::ALL {
        let clock = ManualClock::from_unix(NOW);
        let (tx, mut rx) = hookgate_core::channel(8);
        let app = Router::new().route_service("/hooks", QuickAck::new(endpoint(p, &clock), tx));
        assert_eq!(status_of(&app, signed(p, "q1", NOW as i64)).await.0, StatusCode::ACCEPTED, "{p}");
        let ev = rx.try_recv().expect("handed off before the 202");
        assert_eq!(ev.metadata().provider(), p.name());
        let (s, h) = status_of(&app, signed(p, "q1", NOW as i64)).await;
        assert_eq!((s, h.contains_key("hookgate-duplicate")), (StatusCode::OK, true), "{p}");
        assert!(rx.try_recv().is_err(), "{p}: duplicate handed off");
        // method check in the terminal service itself
        let (s, h) = status_of(&app, Request::put("/hooks").body(Body::empty()).unwrap()).await;
        assert_eq!((s, h.get("allow").unwrap().to_str().unwrap()), (StatusCode::METHOD_NOT_ALLOWED, "POST"));
    }
}

#[tokio::test]
async fn quick_ack_full_channel_is_503_then_retry_succeeds() {
    let clock = ManualClock::from_unix(NOW);
    let (tx, mut rx) = hookgate_core::channel(1);
    let app = Router::new().route_service("/hooks", QuickAck::new(endpoint(Preset::Github, &clock), tx));
    assert_eq!(status_of(&app, signed(Preset::Github, "a", 0)).await.0, StatusCode::ACCEPTED);
    let (s, h) = status_of(&app, signed(Preset::Github, "b", 0)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert!(h.contains_key("retry-after"));
    rx.recv().await.unwrap();
    assert_eq!(status_of(&app, signed(Preset::Github, "b", 0)).await.0, StatusCode::ACCEPTED);
}

/// A handler-mode app on `p` whose handler answers its call number `n` (from 0) with
/// `answer(n)`, and the count of its calls.
fn numbered_app<F>(p: Preset, clock: &ManualClock, answer: fn(usize) -> F) -> (Router, Arc<AtomicUsize>)
where
    F: Future<Output = StatusCode> + Send + 'static,
{
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = Arc::clone(&calls);
    let app = Router::new()
        .route("/hooks", post(move || answer(c2.fetch_add(1, Ordering::SeqCst))))
        .layer(WebhookLayer::new(endpoint(p, clock)));
    (app, calls)
}

#[tokio::test]
async fn handler_failure_then_successful_retry() {
    let clock = ManualClock::from_unix(NOW);
    async fn fails_once(n: usize) -> StatusCode {
        if n == 0 { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
    }
    let (app, calls) = numbered_app(Preset::Stripe, &clock, fails_once);
    let ts = NOW as i64;
    assert_eq!(status_of(&app, signed(Preset::Stripe, "evt_1", ts)).await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(status_of(&app, signed(Preset::Stripe, "evt_1", ts)).await.0, StatusCode::OK);
    assert_eq!(status_of(&app, signed(Preset::Stripe, "evt_1", ts)).await.0, StatusCode::OK); // duplicate
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn in_flight_is_409_with_retry_after() {
    let clock = ManualClock::from_unix(NOW);
    let gate = Arc::new(tokio::sync::Notify::new());
    let g2 = Arc::clone(&gate);
    let app = Router::new()
        .route(
            "/hooks",
            post(move || {
                let g = Arc::clone(&g2);
                async move {
                    g.notified().await;
                    StatusCode::OK
                }
            }),
        )
        .layer(WebhookLayer::new(endpoint(Preset::Github, &clock)));
    let first = tokio::spawn({
        let app = app.clone();
        async move { status_of(&app, signed(Preset::Github, "slow", 0)).await.0 }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (s, h) = status_of(&app, signed(Preset::Github, "slow", 0)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(h.contains_key("retry-after"));
    gate.notify_one();
    assert_eq!(first.await.unwrap(), StatusCode::OK);
}

/// A streamed body: one frame per chunk, counting the bytes handed out.
struct Chunks<I> {
    chunks: I,
    read: Arc<AtomicUsize>,
}

impl<I: Iterator<Item = Bytes> + Unpin> http_body::Body for Chunks<I> {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.chunks.next().map(|c| {
            self.read.fetch_add(c.len(), Ordering::SeqCst);
            Ok(http_body::Frame::data(c))
        }))
    }
}

/// 10 MiB of `x` in 16 KiB chunks, counting what was read into `read`.
fn endless(read: &Arc<AtomicUsize>) -> Body {
    let chunk = Bytes::from(vec![b'x'; 16 * 1024]);
    Body::new(Chunks { chunks: std::iter::repeat_n(chunk, 640), read: Arc::clone(read) })
}

#[tokio::test]
async fn body_over_the_limit_is_413_without_reading_it_all() {
    let clock = ManualClock::from_unix(NOW);
    let calls = Arc::new(AtomicUsize::new(0));
    let app = handler_app(Preset::Github, Arc::clone(&calls), StatusCode::OK, &clock);
    // No Content-Length: refused while streaming.
    let read = Arc::new(AtomicUsize::new(0));
    let req = Request::post("/hooks").body(endless(&read)).unwrap();
    assert_eq!(status_of(&app, req).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(read.load(Ordering::SeqCst) <= 64 * 1024 + 16 * 1024, "read {} bytes", read.load(Ordering::SeqCst));
    // Declared too large: refused before reading anything.
    let read = Arc::new(AtomicUsize::new(0));
    let req =
        Request::post("/hooks").header("content-length", (10 * 1024 * 1024).to_string()).body(endless(&read)).unwrap();
    assert_eq!(status_of(&app, req).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(read.load(Ordering::SeqCst), 0);
    // One byte over the limit.
    let req = Request::post("/hooks").body(Body::from(vec![b'x'; 64 * 1024 + 1])).unwrap();
    assert_eq!(status_of(&app, req).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_duplicates_run_the_handler_once() {
    let clock = ManualClock::from_unix(NOW);
    let calls = Arc::new(AtomicUsize::new(0));
    let app = handler_app(Preset::StandardWebhooks, Arc::clone(&calls), StatusCode::OK, &clock);
    let mut tasks = Vec::new();
    for _ in 0..500 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            status_of(&app, signed(Preset::StandardWebhooks, "msg_same", NOW as i64)).await.0
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let s = t.await.unwrap();
        assert!([StatusCode::OK, StatusCode::CONFLICT].contains(&s), "{s}");
        ok += usize::from(s == StatusCode::OK);
    }
    assert!(ok >= 1);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn typed_and_raw_extractors_and_missing_layer() {
    use hookgate_core::providers::twabot;
    let clock = ManualClock::from_unix(NOW);
    let typed = Router::new()
        .route(
            "/hooks",
            post(|Webhook { payload, metadata }: Webhook<twabot::Event>| async move {
                format!("{} {}", payload.kind.event_type(), metadata.delivery_id())
            }),
        )
        .layer(WebhookLayer::new(endpoint(Preset::Twabot, &clock)));
    let body = r#"{"event":"message.received","timestamp":"2026-04-02T10:30:45.000Z","data":{"message_id":"wamid.1","text":"hi"}}"#;
    let signed_body = |body: &str| TestRequest::signed(Preset::Twabot, secret_for(Preset::Twabot), body.to_owned());
    let req = hookgate_tower::http_request("/hooks", &signed_body(body));
    let res = typed.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
    assert_eq!(&text[..], b"message.received wamid.1");

    // A verified body that is not the expected type: 422, and the claim is released.
    let bad = r#"{"no_event_field":true}"#;
    let bad = signed_body(bad);
    let req = || hookgate_tower::http_request("/hooks", &bad);
    assert_eq!(typed.clone().oneshot(req()).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(typed.clone().oneshot(req()).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Raw variant.
    let raw = Router::new()
        .route("/hooks", post(|RawWebhook { body, .. }: RawWebhook| async move { body.len().to_string() }))
        .layer(WebhookLayer::new(endpoint(Preset::Github, &clock)));
    let res = raw.oneshot(signed(Preset::Github, "r1", 0)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Without the layer: a clear 500.
    let bare = Router::new().route("/hooks", post(|WebhookMeta(_): WebhookMeta| async { "" }));
    let res = bare.oneshot(signed(Preset::Github, "x", 0)).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
    assert!(String::from_utf8_lossy(&text).contains("without hookgate_tower::WebhookLayer"));
}

#[tokio::test]
async fn custom_rejection_response() {
    let clock = ManualClock::from_unix(NOW);
    let app = Router::new().route("/hooks", post(|| async { "ok" })).layer(
        WebhookLayer::new(endpoint(Preset::Github, &clock)).on_rejection(|o: &hookgate_core::Outcome| {
            let mut r = hookgate_tower::outcome_response(o);
            r.headers_mut().insert("x-custom", "1".parse().unwrap());
            r
        }),
    );
    let res = app.oneshot(Request::post("/hooks").body(Body::from("{}")).unwrap()).await.unwrap();
    assert_eq!((res.status(), res.headers().contains_key("x-custom")), (StatusCode::UNAUTHORIZED, true));
    let _ = SystemTime::now().duration_since(UNIX_EPOCH);
}

/// A body in several frames (a chunked upload) reaches the verifier and the handler intact.
#[tokio::test]
async fn split_bodies_and_many_headers_verify_exactly() {
    let clock = ManualClock::from_unix(NOW);
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let app = {
        let seen = Arc::clone(&seen);
        Router::new()
            .route(
                "/hooks",
                post(move |body: Bytes| {
                    let seen = Arc::clone(&seen);
                    async move {
                        seen.lock().unwrap().push(body);
                        StatusCode::OK
                    }
                }),
            )
            .layer(WebhookLayer::new(endpoint(Preset::StandardWebhooks, &clock)))
    };
    // Few headers (names compared) and many (hashed lookups), one frame and several.
    for (extra, frames) in [(0, 1), (0, 3), (40, 1), (40, 4)] {
        let id = format!("msg_{extra}_{frames}");
        let (mut parts, _) = signed(Preset::StandardWebhooks, &id, NOW as i64).into_parts();
        for i in 0..extra {
            parts.headers.insert(
                axum::http::HeaderName::from_bytes(format!("x-filler-{i}").as_bytes()).unwrap(),
                "f".parse().unwrap(),
            );
        }
        let body =
            TestRequest::delivery(Preset::StandardWebhooks, secret_for(Preset::StandardWebhooks), &id).bytes().clone();
        let step = body.len().div_ceil(frames);
        let chunks: Vec<Bytes> = body.chunks(step).map(Bytes::copy_from_slice).collect();
        let body_frames = Chunks { chunks: chunks.into_iter(), read: Arc::default() };
        let req = Request::from_parts(parts.clone(), Body::new(body_frames));
        assert_eq!(status_of(&app, req).await.0, StatusCode::OK, "{extra} extra headers, {frames} frames");
        assert_eq!(seen.lock().unwrap().last().unwrap(), &body);
        // The same signature header sent twice with different values is ambiguous either way.
        parts.headers.append("webhook-signature", "v1,AAAA".parse().unwrap());
        let req = Request::from_parts(parts, Body::from(body));
        assert_eq!(status_of(&app, req).await.0, StatusCode::BAD_REQUEST, "{extra} extra headers");
    }
}

/// Sends delivery `id` until it is no longer in flight (a released claim is freed in the
/// background); `None` when the handler took longer than 100 ms and the request was dropped.
async fn send_once_free(app: &Router, id: &str) -> Option<(StatusCode, axum::http::HeaderMap)> {
    for _ in 0..400 {
        match tokio::time::timeout(Duration::from_millis(100), status_of(app, signed(Preset::Github, id, 0))).await {
            Err(_) => return None,
            Ok((StatusCode::CONFLICT, _)) => tokio::time::sleep(Duration::from_millis(5)).await,
            Ok(answer) => return Some(answer),
        }
    }
    panic!("delivery {id} stayed in flight");
}

#[tokio::test]
async fn a_panicking_or_cancelled_handler_leaves_the_delivery_to_its_retry() {
    let clock = ManualClock::from_unix(NOW);
    async fn panics_then_hangs(n: usize) -> StatusCode {
        match n {
            0 => panic!("a handler bug (expected by this test)"),
            1 => std::future::pending().await,
            _ => StatusCode::OK,
        }
    }
    let (app, calls) = numbered_app(Preset::Github, &clock, panics_then_hangs);
    // The handler panics: the request's task fails, and no answer is written.
    let a = app.clone();
    let panicked = tokio::spawn(async move { a.oneshot(signed(Preset::Github, "d1", 0)).await }).await;
    assert!(panicked.unwrap_err().is_panic());
    // The retry reaches the handler again, which hangs; the request is dropped (a client gone,
    // a timeout) while the delivery is claimed.
    assert!(send_once_free(&app, "d1").await.is_none(), "the retry after a panic reached the handler");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // The next retry is processed, and only then is the delivery a duplicate.
    assert_eq!(send_once_free(&app, "d1").await.map(|a| a.0), Some(StatusCode::OK));
    let (status, headers) = send_once_free(&app, "d1").await.unwrap();
    assert_eq!(
        (status, headers.get("hookgate-duplicate").map(|v| v.to_str().unwrap())),
        (StatusCode::OK, Some("true"))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

/// The documented form, the layer on the webhook's own route: the router's other routes, and
/// paths it does not serve, are not hookgate's.
#[tokio::test]
async fn the_layer_on_one_route_leaves_the_others_alone() {
    let clock = ManualClock::from_unix(NOW);
    let (tx, _rx) = hookgate_tower::channel(16);
    let app = Router::new()
        .route(
            "/hooks",
            post(|WebhookMeta(m): WebhookMeta| async move { m.delivery_id().to_owned() })
                .layer(WebhookLayer::new(endpoint(Preset::Github, &clock))),
        )
        .route_service("/quick", hookgate_tower::QuickAck::new(endpoint(Preset::Github, &clock), tx))
        .route("/health", axum::routing::get(|| async { "ok" }));
    let get = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    assert_eq!(status_of(&app, get("/health")).await.0, StatusCode::OK);
    let post_nothing = Request::post("/nothing").body(Body::from("{}")).unwrap();
    assert_eq!(status_of(&app, post_nothing).await.0, StatusCode::NOT_FOUND);
    let signed_hook = signed(Preset::Github, "only-once", NOW as i64);
    assert_eq!(status_of(&app, signed_hook).await.0, StatusCode::OK);
    let (parts, body) = signed(Preset::Github, "quick-1", NOW as i64).into_parts();
    let mut quick = Request::from_parts(parts, body);
    *quick.uri_mut() = "/quick".parse().unwrap();
    assert_eq!(status_of(&app, quick).await.0, StatusCode::ACCEPTED, "verified once, by its own route");
}
