//! The durable quick-ack rows of `bench/http.sh`: hookgate onto Redis Streams and NATS JetStream,
//! each beside the route a careful user writes by hand with the same client crate and the same
//! single broker call (the calibration).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use hookgate_tower::QuickAck;

use crate::{MemoryStore, endpoint_with, hand_rolled_accepts, hand_rolled_key};

/// Entries kept in the bench's stream: it is trimmed to about this many (`MAXLEN ~`), by hookgate
/// and by the hand-written route alike, so a long run does not fill Redis's memory.
const MAX_LEN: usize = 100_000;
/// The bench's Redis stream and NATS stream/subject.
const STREAM: &str = "hookgate:bench";
const NATS_STREAM: &str = "HOOKGATE_BENCH";
const NATS_SUBJECT: &str = "hookgate.bench";

/// `quick-ack-redis-stream`: `QuickAck` onto [`hookgate_redis::RedisStreamSink`].
pub async fn redis_stream(url: &str) -> Router {
    let sink =
        hookgate_redis::RedisStreamSink::builder(url).stream(STREAM).max_len(MAX_LEN).build().await.expect("redis");
    Router::new().route_service("/webhooks", QuickAck::new(endpoint_with(MemoryStore::new()), sink))
}

/// The hand-written Redis route's one call: mark the delivery, append the event.
const HAND_SCRIPT: &str = r"
if redis.call('SET', KEYS[1], 'done', 'NX', 'PX', ARGV[1]) then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'delivery_id', ARGV[3], 'body', ARGV[4])
  return 1
end
return 0
";

/// `hand-redis-stream`: the route a careful user writes: the hand-rolled HMAC check, then one
/// script (`SET NX` + `XADD`) on the same `redis` client (a multiplexed `ConnectionManager`).
pub async fn hand_redis_stream(url: &str, processed: Arc<AtomicU64>) -> Router {
    let client = redis::Client::open(url).expect("url");
    let conn = redis::aio::ConnectionManager::new(client).await.expect("redis");
    let script = redis::Script::new(HAND_SCRIPT);
    let key = hand_rolled_key();
    Router::new().route(
        "/webhooks",
        post(move |headers: HeaderMap, body: Bytes| {
            let (mut conn, script, mac, p) = (conn.clone(), script.clone(), key.clone(), Arc::clone(&processed));
            async move {
                if !hand_rolled_accepts(headers.get("x-hub-signature-256").map(|v| v.as_bytes()), &body, mac) {
                    return StatusCode::UNAUTHORIZED;
                }
                let Some(id) = headers.get("x-github-delivery").and_then(|v| v.to_str().ok()) else {
                    return StatusCode::BAD_REQUEST;
                };
                let added: Result<i64, _> = script
                    .key(format!("bench:{id}"))
                    .key(STREAM)
                    .arg(1)
                    .arg(MAX_LEN)
                    .arg(id)
                    .arg(&body[..])
                    .invoke_async(&mut conn)
                    .await;
                match added {
                    Ok(1) => {
                        p.fetch_add(1, Ordering::Relaxed);
                        StatusCode::ACCEPTED
                    }
                    Ok(_) => StatusCode::OK,
                    Err(_) => StatusCode::SERVICE_UNAVAILABLE,
                }
            }
        }),
    )
}

/// `quick-ack-nats`: `QuickAck` onto [`hookgate_nats::NatsSink`].
pub async fn nats(url: &str) -> Router {
    let sink =
        hookgate_nats::NatsSink::builder(url).stream(NATS_STREAM).subject(NATS_SUBJECT).build().await.expect("nats");
    Router::new().route_service("/webhooks", QuickAck::new(endpoint_with(MemoryStore::new()), sink))
}

/// `hand-nats`: the route a careful user writes: the hand-rolled HMAC check, then one JetStream
/// publish with a message id, awaiting its `PubAck`, on the same `async-nats` client.
pub async fn hand_nats(url: &str, processed: Arc<AtomicU64>) -> Router {
    let client = async_nats::connect(url).await.expect("nats");
    let js = async_nats::jetstream::new(client);
    let config = async_nats::jetstream::stream::Config {
        name: NATS_STREAM.into(),
        subjects: vec![NATS_SUBJECT.into()],
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    };
    js.get_or_create_stream(config).await.expect("stream");
    let key = hand_rolled_key();
    Router::new().route(
        "/webhooks",
        post(move |headers: HeaderMap, body: Bytes| {
            let (js, mac, p) = (js.clone(), key.clone(), Arc::clone(&processed));
            async move {
                if !hand_rolled_accepts(headers.get("x-hub-signature-256").map(|v| v.as_bytes()), &body, mac) {
                    return StatusCode::UNAUTHORIZED;
                }
                let Some(id) = headers.get("x-github-delivery").and_then(|v| v.to_str().ok()) else {
                    return StatusCode::BAD_REQUEST;
                };
                let mut h = async_nats::HeaderMap::new();
                h.insert("Nats-Msg-Id", id);
                let acked = match js.publish_with_headers(NATS_SUBJECT, h, body).await {
                    Ok(ack) => ack.await.is_ok(),
                    Err(_) => false,
                };
                if acked {
                    p.fetch_add(1, Ordering::Relaxed);
                    StatusCode::ACCEPTED
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                }
            }
        }),
    )
}
