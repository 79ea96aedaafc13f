//! Against a real Redis server. `HOOKGATE_REDIS_URL` points at one (`.ci/run` starts its own);
//! without it these tests say why they skip, except under `CI=true`, where that is a failure.
//! The restart test starts and stops its own `redis-server` on a spare loopback port.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hookgate_core::{Endpoint, EventReceiver, Preset, TestRequest, Verifier};
use hookgate_redis::RedisStore;
use hookgate_tower::QuickAck;
use tower::ServiceExt;

mod common;

use common::{OwnRedis, free_port, redis_url, unique};

const SECRET: &str = "redis-test-secret";

fn request(id: &str) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    let req =
        TestRequest::signed(Preset::Github, SECRET, format!(r#"{{"delivery":"{id}"}}"#)).id(id).event_type("push");
    hookgate_tower::http_request("/hooks", &req)
}

fn app(store: RedisStore, namespace: &str, cap: usize) -> (axum::Router, EventReceiver) {
    let v = Verifier::for_preset(Preset::Github, &[SECRET]).unwrap();
    let endpoint =
        Endpoint::builder(namespace.to_owned(), v).store(store).retry_after(Duration::from_secs(2)).build().unwrap();
    let (tx, rx) = hookgate_core::channel(cap);
    (axum::Router::new().route_service("/hooks", QuickAck::new(endpoint, tx)), rx)
}

async fn status(app: &axum::Router, id: &str) -> u16 {
    app.clone().oneshot(request(id)).await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_the_core_acceptance_suite() {
    let Some(url) = redis_url() else { return };
    let store = RedisStore::builder(url).prefix(unique("hg-accept") + ":").build().await.unwrap();
    hookgate_core::acceptance::run(Arc::new(store)).await;
}

/// Starts `app` as a real HTTP server on a loopback port.
async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// POSTs a signed delivery over TCP (one connection per request) and returns the status.
async fn post_tcp(addr: std::net::SocketAddr, id: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let req = request(id);
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(axum::body::Body::new(body), 1 << 20).await.unwrap();
    let mut head =
        format!("POST /hooks HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in &parts.headers {
        head.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap()));
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_sharing_redis_hand_off_once() {
    let Some(url) = redis_url() else { return };
    let ns = unique("/replicas");
    let (a, mut rx_a) = app(RedisStore::builder(url.clone()).build().await.unwrap(), &ns, 1024);
    let (b, mut rx_b) = app(RedisStore::builder(url).build().await.unwrap(), &ns, 1024);
    let (a, b) = (serve(a).await, serve(b).await);
    let mut tasks = Vec::new();
    for i in 0..500 {
        let server = if i % 2 == 0 { a } else { b };
        tasks.push(tokio::spawn(async move { post_tcp(server, "the-same-delivery").await }));
    }
    let mut statuses = std::collections::BTreeMap::new();
    for t in tasks {
        let s = t.await.unwrap();
        assert!([200, 202, 409].contains(&s), "{s}");
        *statuses.entry(s).or_insert(0) += 1;
    }
    assert_eq!(statuses.get(&202), Some(&1), "{statuses:?}");
    let mut handed = 0;
    while rx_a.try_recv().is_ok() {
        handed += 1;
    }
    while rx_b.try_recv().is_ok() {
        handed += 1;
    }
    assert_eq!(handed, 1, "exactly one hand-off across both servers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_is_503_and_recovers_without_restarting_the_app() {
    let port = free_port();
    let Some(mut redis) = OwnRedis::start(port) else { return };
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let ns = unique("/restart");
    let (app, mut rx) =
        app(RedisStore::builder(url.clone()).timeout(Duration::from_millis(300)).build().await.unwrap(), &ns, 1024);
    let (open_app, mut open_rx) = self::app(
        RedisStore::builder(url).timeout(Duration::from_millis(300)).fail_open(true).build().await.unwrap(),
        &ns,
        1024,
    );

    assert_eq!(status(&app, "before").await, 202);
    assert!(rx.try_recv().is_ok());

    redis.stop();
    // Fail closed: 503 and nothing handed off, so the sender's retry is the one processed.
    for i in 0..5 {
        let res = app.clone().oneshot(request(&format!("during-{i}"))).await.unwrap();
        assert_eq!(res.status(), 503);
        assert!(res.headers().contains_key("retry-after"));
    }
    assert!(rx.try_recv().is_err(), "no 2xx without the event being safe");
    // Fail open (opt-in): processed without dedupe.
    assert_eq!(status(&open_app, "during-open").await, 202);
    assert!(open_rx.try_recv().is_ok());

    let _redis = OwnRedis::start(port).expect("restart");
    let start = Instant::now();
    loop {
        match status(&app, "during-0").await {
            202 => break,
            503 => assert!(start.elapsed() < Duration::from_secs(15), "did not reconnect"),
            other => panic!("unexpected {other}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(rx.try_recv().unwrap().metadata().delivery_id(), "during-0");
    assert_eq!(status(&app, "during-0").await, 200, "and it is remembered again");
}
