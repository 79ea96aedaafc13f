//! The Redis Streams sink and consumer against a real Redis (`HOOKGATE_REDIS_URL`; under
//! `CI=true` a missing server fails, otherwise the skip is printed).

use std::time::{Duration, Instant};

use hookgate_core::{Claim, Endpoint, Event, IdempotencyKey, IdempotencyStore, Preset, Sink, TestRequest};
use hookgate_redis::{RedisStore, RedisStreamConsumer, RedisStreamSink};

mod common;

use common::{OwnRedis, free_port, redis_url, unique};

/// Every event of `stream` at `endpoint`, read with `XRANGE`.
async fn stream_events(url: &str, stream: &str, endpoint: &str) -> Vec<Event> {
    let mut consumer = RedisStreamConsumer::builder(url)
        .stream(stream)
        .group(unique("reader"))
        .block(Duration::from_millis(200))
        .build()
        .await
        .unwrap();
    let mut events = Vec::new();
    while let Some(d) = consumer.next().await.unwrap() {
        if d.event.metadata().endpoint() == endpoint {
            events.push(d.event);
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_sink_passes_the_sink_acceptance_suite() {
    let Some(url) = redis_url() else { return };
    let stream = unique("hookgate:test-events");
    let sink = RedisStreamSink::builder(url.clone()).stream(stream.clone()).build().await.unwrap();
    hookgate_core::acceptance::sink(sink, |endpoint| {
        let (url, stream) = (url.clone(), stream.clone());
        async move { stream_events(&url, &stream, &endpoint).await }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_carries_every_field_and_the_exact_body() {
    let Some(url) = redis_url() else { return };
    let stream = unique("hookgate:test-fields");
    let sink = RedisStreamSink::builder(url.clone()).stream(stream.clone()).build().await.unwrap();
    let endpoint =
        Endpoint::builder(unique("/fields"), hookgate_core::Verifier::for_preset(Preset::Stripe, &["s"]).unwrap())
            .build()
            .unwrap();
    let body = "{\"id\":\"evt_1\",\"type\":\"invoice.paid\",\"x\":\"\u{e9}\"}\n";
    let req = TestRequest::signed(Preset::Stripe, "s", body).header("content-type", "application/json");
    assert_eq!(endpoint.quick_ack(&req, req.body(), &sink).await.status(), 202);
    assert_eq!(endpoint.quick_ack(&req, req.body(), &sink).await.status(), 200, "a retry is a duplicate");

    let mut conn = redis::Client::open(url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let entries: redis::streams::StreamRangeReply =
        redis::cmd("XRANGE").arg(&stream).arg("-").arg("+").query_async(&mut conn).await.unwrap();
    assert_eq!(entries.ids.len(), 1, "in the stream once");
    let e = &entries.ids[0];
    let field = |k: &str| e.get::<Vec<u8>>(k);
    assert_eq!(field("delivery_id").unwrap(), b"evt_1");
    assert_eq!(field("endpoint").unwrap(), endpoint.name().as_bytes());
    assert_eq!(field("provider").unwrap(), b"stripe");
    assert_eq!(field("event_type").unwrap(), b"invoice.paid");
    assert!(String::from_utf8(field("timestamp").unwrap()).unwrap().parse::<i64>().is_ok());
    assert!(String::from_utf8(field("received_at").unwrap()).unwrap().ends_with('Z'));
    assert_eq!(field("content_type").unwrap(), b"application/json");
    assert_eq!(field("body").unwrap(), body.as_bytes(), "the exact bytes");

    // GitHub sends no body fields: no event_type in the entry when unknown, no timestamp.
    let gh = Endpoint::preset(Preset::Github, &["s"]).unwrap();
    let push = TestRequest::signed(Preset::Github, "s", "{}").id(&unique("gh"));
    let other = RedisStreamSink::builder(url.clone()).stream(stream.clone()).build().await.unwrap();
    assert_eq!(gh.quick_ack(&push, push.body(), &other).await.status(), 202);
    let entries: redis::streams::StreamRangeReply =
        redis::cmd("XRANGE").arg(&stream).arg("-").arg("+").query_async(&mut conn).await.unwrap();
    let e = &entries.ids[1];
    assert!(e.get::<Vec<u8>>("event_type").is_none() && e.get::<Vec<u8>>("timestamp").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sink_and_the_store_share_one_dedupe_state() {
    let Some(url) = redis_url() else { return };
    let stream = unique("hookgate:test-shared");
    let sink = RedisStreamSink::builder(url.clone()).stream(stream.clone()).build().await.unwrap();
    let store = RedisStore::builder(url.clone()).build().await.unwrap();
    let key = IdempotencyKey::new(&unique("/shared"), "d-1");
    // A handler-mode request holds the delivery: the sink answers "in flight", takes nothing.
    let Claim::Acquired(token) = store.claim(&key, Duration::from_secs(30)).await.unwrap() else { panic!() };
    let event = || Event::new(hookgate_core::Metadata::new(key.namespace(), "github", "d-1"), "{}".into());
    assert!(matches!(sink.publish_once(&key, Duration::from_secs(60), event()).await.unwrap(), Claim::InFlight { .. }));
    assert!(store.release(&key, token).await.unwrap());
    // Taken once; then the store sees it done, and the sink does not take it again.
    assert!(matches!(sink.publish_once(&key, Duration::from_secs(60), event()).await.unwrap(), Claim::Acquired(_)));
    assert_eq!(store.claim(&key, Duration::from_secs(30)).await.unwrap(), Claim::Done);
    assert_eq!(sink.publish_once(&key, Duration::from_secs(60), event()).await.unwrap(), Claim::Done);
    assert_eq!(stream_events(&url, &stream, key.namespace()).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_is_503_and_the_same_sink_takes_the_retry_once_it_is_back() {
    let port = free_port();
    let Some(redis) = OwnRedis::start(port) else { return };
    let url = format!("redis://127.0.0.1:{port}");
    let sink = RedisStreamSink::builder(url.clone()).timeout(Duration::from_millis(300)).build().await.unwrap();
    drop(redis);
    let back = Back { sink: sink.clone(), port, running: tokio::sync::Mutex::new(None) };
    hookgate_core::acceptance::sink_down(sink, back, |endpoint| {
        let url = url.clone();
        async move { stream_events(&url, "hookgate:events", &endpoint).await }
    })
    .await;
}

/// The sink that was down, once its Redis is started again: no new connection is made, the
/// sink reconnects by itself. Its first publishes may still meet the old connection's error, as
/// a sender's first retries would: it tries again for a few seconds.
struct Back {
    sink: RedisStreamSink,
    port: u16,
    running: tokio::sync::Mutex<Option<OwnRedis>>,
}

impl Back {
    async fn start(&self) {
        let mut running = self.running.lock().await;
        if running.is_none() {
            *running = Some(OwnRedis::start(self.port).expect("redis-server starts again"));
        }
    }
}

impl Sink for Back {
    async fn publish(&self, event: Event) -> Result<(), hookgate_core::SinkError> {
        self.start().await;
        self.sink.publish(event).await
    }
    fn remembers_deliveries(&self) -> bool {
        true
    }
    async fn publish_once(
        &self,
        key: &IdempotencyKey,
        ttl: Duration,
        event: Event,
    ) -> Result<Claim, hookgate_core::SinkError> {
        self.start().await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.sink.publish_once(key, ttl, event.clone()).await {
                Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
                answer => return answer,
            }
        }
    }
}

/// When the append fails, the script stops before marking the delivery: 503, and the retry is
/// taken once the stream can be written again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_append_marks_nothing() {
    let Some(url) = redis_url() else { return };
    let stream = unique("hookgate:test-wrongtype");
    let mut conn = redis::Client::open(url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap();
    // The stream's key holds a string: XADD fails with WRONGTYPE.
    redis::cmd("SET").arg(&stream).arg("not a stream").query_async::<()>(&mut conn).await.unwrap();
    let sink = RedisStreamSink::builder(url.clone()).stream(stream.clone()).build().await.unwrap();
    let endpoint =
        Endpoint::builder(unique("/wrongtype"), hookgate_core::Verifier::for_preset(Preset::Github, &["s"]).unwrap())
            .build()
            .unwrap();
    let req = TestRequest::signed(Preset::Github, "s", "{}").id("d-1");
    assert_eq!(endpoint.quick_ack(&req, req.body(), &sink).await.status(), 503);
    redis::cmd("DEL").arg(&stream).query_async::<()>(&mut conn).await.unwrap();
    assert_eq!(endpoint.quick_ack(&req, req.body(), &sink).await.status(), 202, "nothing was marked");
    assert_eq!(stream_events(&url, &stream, endpoint.name()).await.len(), 1);
}

/// A consumer that stops before acknowledging leaves its entries pending: a restarted consumer
/// of the same name reads them first, and another consumer takes them over once idle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_entries_survive_a_consumer_crash() {
    let Some(url) = redis_url() else { return };
    let stream = unique("hookgate:test-consumers");
    let group = unique("workers");
    let sink = RedisStreamSink::builder(url.clone()).stream(stream.clone()).build().await.unwrap();
    let endpoint = Endpoint::preset(Preset::Github, &["s"]).unwrap();
    for i in 0..3 {
        let req = TestRequest::signed(Preset::Github, "s", format!("{{\"n\":{i}}}")).id(&unique("c"));
        assert_eq!(endpoint.quick_ack(&req, req.body(), &sink).await.status(), 202);
    }
    let consumer = |name: &str, idle: Duration| {
        RedisStreamConsumer::builder(url.clone())
            .stream(stream.clone())
            .group(group.clone())
            .consumer(name)
            .min_idle(idle)
            .block(Duration::from_millis(200))
            .build()
    };
    // Worker A reads all three, acknowledges one, and "crashes".
    let mut a = consumer("a", Duration::from_secs(60)).await.unwrap();
    let first = a.next().await.unwrap().unwrap();
    a.ack(&first).await.unwrap();
    let second = a.next().await.unwrap().unwrap();
    let third = a.next().await.unwrap().unwrap();
    drop(a);
    // Restarted under the same name: its own pending entries first.
    let mut a = consumer("a", Duration::from_secs(60)).await.unwrap();
    let again = a.next().await.unwrap().unwrap();
    assert_eq!(again.id, second.id);
    assert_eq!(a.next().await.unwrap().unwrap().id, third.id);
    // Neither is acknowledged yet, and neither comes back while this consumer still holds them.
    assert!(a.next().await.unwrap().is_none(), "an entry being handled is not handed out twice");
    drop(a);
    // Worker B takes over what A left idle (here: idle for more than 100 ms).
    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut b = consumer("b", Duration::from_millis(100)).await.unwrap();
    let mut taken = Vec::new();
    while let Some(d) = b.next().await.unwrap() {
        taken.push(d.id.clone());
        b.ack(&d).await.unwrap();
    }
    taken.sort();
    let mut want = vec![second.id, third.id];
    want.sort();
    assert_eq!(taken, want, "the two unacknowledged entries, each once");
    // Everything is acknowledged now: nothing more for anyone.
    let mut c = consumer("c", Duration::from_millis(1)).await.unwrap();
    assert!(c.next().await.unwrap().is_none());
}

/// `Acker::in_progress` starts a delivery's idle time again: another consumer does not take over
/// an entry whose handler is still retrying.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_progress_keeps_an_entry_from_being_taken_over() {
    let Some(url) = redis_url() else { return };
    let stream = unique("hookgate:test-progress");
    let group = unique("workers");
    let sink = RedisStreamSink::builder(url.clone()).stream(stream.clone()).build().await.unwrap();
    let endpoint = Endpoint::preset(Preset::Github, &["s"]).unwrap();
    let req = TestRequest::signed(Preset::Github, "s", "{}").id(&unique("p"));
    assert_eq!(endpoint.quick_ack(&req, req.body(), &sink).await.status(), 202);
    let consumer = |name: &str| {
        RedisStreamConsumer::builder(url.clone())
            .stream(stream.clone())
            .group(group.clone())
            .consumer(name)
            .min_idle(Duration::from_millis(300))
            .block(Duration::from_millis(50))
            .build()
    };
    let mut a = consumer("a").await.unwrap();
    let held = a.next().await.unwrap().unwrap();
    let acker = a.acker();
    let mut b = consumer("b").await.unwrap();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        acker.in_progress(&held).await.unwrap();
        assert!(b.next().await.unwrap().is_none(), "kept by a while it says it is in progress");
    }
    // Once a stops saying so, b takes it over.
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(b.next().await.unwrap().unwrap().id, held.id);
}
