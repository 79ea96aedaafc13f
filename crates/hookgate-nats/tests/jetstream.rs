//! The JetStream sink and consumer against a real `nats-server -js` (`HOOKGATE_NATS_URL`; under
//! `CI=true` a missing server fails, otherwise the skip is printed).

use std::io::Write as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hookgate_core::{Endpoint, Event, Preset, Sink, TestRequest};
use hookgate_nats::{NatsConsumer, NatsSink};

fn nats_url() -> Option<String> {
    match std::env::var("HOOKGATE_NATS_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("HOOKGATE_NATS_URL is not set but CI=true: .ci/run must start nats-server -js")
        }
        _ => {
            let _ = writeln!(std::io::stderr(), "SKIPPED a NATS test: HOOKGATE_NATS_URL is not set");
            None
        }
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}{}", std::process::id(), SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos())
}

/// A stream and subject of this test's own.
fn names() -> (String, String) {
    let n = unique("");
    (format!("HOOKGATE_TEST_{n}"), format!("hookgate.test.{n}"))
}

/// Every event the stream holds for `endpoint`, read by a fresh durable consumer.
async fn stream_events(url: &str, stream: &str, endpoint: &str) -> Vec<Event> {
    let mut consumer = NatsConsumer::builder(url).stream(stream).durable(unique("reader")).build().await.unwrap();
    let mut events = Vec::new();
    while let Ok(Ok(d)) = tokio::time::timeout(Duration::from_millis(500), consumer.next()).await {
        consumer.ack(&d).await.unwrap();
        if d.event.metadata().endpoint() == endpoint {
            events.push(d.event);
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jetstream_sink_passes_the_sink_acceptance_suite() {
    let Some(url) = nats_url() else { return };
    let (stream, subject) = names();
    let sink = NatsSink::builder(url.clone()).stream(stream.clone()).subject(subject).build().await.unwrap();
    hookgate_core::acceptance::sink(sink, |endpoint| {
        let (url, stream) = (url.clone(), stream.clone());
        async move { stream_events(&url, &stream, &endpoint).await }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_carries_every_header_and_the_exact_body_and_replays_are_dropped() {
    let Some(url) = nats_url() else { return };
    let (stream, subject) = names();
    let sink = NatsSink::builder(url.clone()).stream(stream.clone()).subject(subject).build().await.unwrap();
    let endpoint =
        Endpoint::builder(unique("/fields"), hookgate_core::Verifier::for_preset(Preset::Stripe, &["s"]).unwrap())
            .build()
            .unwrap();
    let body = "{\"id\":\"evt_1\",\"type\":\"invoice.paid\",\"x\":\"\u{e9}\"}\n";
    let req = TestRequest::signed(Preset::Stripe, "s", body).header("content-type", "application/json");
    assert_eq!(endpoint.quick_ack(&req, req.body(), &sink).await.status(), 202);
    // A replica without the first one's store publishes the same delivery again: JetStream's
    // duplicate window drops it (the publish still counts as stored).
    let replica =
        Endpoint::builder(endpoint.name(), hookgate_core::Verifier::for_preset(Preset::Stripe, &["s"]).unwrap())
            .build()
            .unwrap();
    assert_eq!(replica.quick_ack(&req, req.body(), &sink).await.status(), 202);

    let events = stream_events(&url, &stream, endpoint.name()).await;
    assert_eq!(events.len(), 1, "stored once");
    let m = events[0].metadata();
    assert_eq!((m.delivery_id(), m.provider(), m.event_type()), ("evt_1", "stripe", Some("invoice.paid")));
    assert!(m.timestamp().is_some());
    assert_eq!(m.content_type(), Some("application/json"));
    assert_eq!(events[0].body(), body.as_bytes(), "the exact bytes");

    // The raw headers, as another language's consumer sees them.
    let client = async_nats::connect(&url).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let raw = js.get_stream(&stream).await.unwrap().get_raw_message(1).await.unwrap();
    let h = raw.headers;
    for (name, want) in [
        ("Nats-Msg-Id", format!("{}:evt_1", endpoint.name())),
        ("Hookgate-Delivery-Id", "evt_1".into()),
        ("Hookgate-Endpoint", endpoint.name().into()),
        ("Hookgate-Provider", "stripe".into()),
        ("Hookgate-Event-Type", "invoice.paid".into()),
        ("Content-Type", "application/json".into()),
    ] {
        assert_eq!(h.get(name).map(|v| v.as_str().to_owned()), Some(want), "{name}");
    }
    assert!(h.get("Hookgate-Received-At").unwrap().as_str().ends_with('Z'));
    assert!(h.get("Hookgate-Timestamp").unwrap().as_str().parse::<i64>().is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unacknowledged_event_comes_back_after_the_ack_wait() {
    let Some(url) = nats_url() else { return };
    let (stream, subject) = names();
    let sink = NatsSink::builder(url.clone()).stream(stream.clone()).subject(subject).build().await.unwrap();
    let endpoint = Endpoint::preset(Preset::Github, &["s"]).unwrap();
    let req = TestRequest::signed(Preset::Github, "s", "{}").id(&unique("d"));
    assert_eq!(endpoint.quick_ack(&req, req.body(), &sink).await.status(), 202);
    let durable = unique("workers");
    let consumer = || {
        NatsConsumer::builder(url.clone())
            .stream(stream.clone())
            .durable(durable.clone())
            .ack_wait(Duration::from_secs(1))
            .build()
    };
    // Worker A reads it and "crashes" without acknowledging.
    let mut a = consumer().await.unwrap();
    let first = a.next().await.unwrap();
    drop(a);
    // Worker B of the same durable consumer gets it again after the ack wait, and acknowledges.
    let mut b = consumer().await.unwrap();
    let again = tokio::time::timeout(Duration::from_secs(10), b.next()).await.unwrap().unwrap();
    assert_eq!(again.event.metadata().delivery_id(), first.event.metadata().delivery_id());
    b.ack(&again).await.unwrap();
    assert!(tokio::time::timeout(Duration::from_millis(1500), b.next()).await.is_err(), "acknowledged: not again");
}

/// `Delivery::in_progress` starts the ack wait again: the event is not delivered a second time
/// while its handler keeps saying it is still working on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_progress_holds_off_redelivery() {
    let Some(url) = nats_url() else { return };
    let (stream, subject) = names();
    let sink = NatsSink::builder(url.clone()).stream(stream.clone()).subject(subject).build().await.unwrap();
    let endpoint = Endpoint::preset(Preset::Github, &["s"]).unwrap();
    let req = TestRequest::signed(Preset::Github, "s", "{}").id(&unique("p"));
    assert_eq!(endpoint.quick_ack(&req, req.body(), &sink).await.status(), 202);
    let mut a = NatsConsumer::builder(url.clone())
        .stream(stream.clone())
        .durable(unique("workers"))
        .ack_wait(Duration::from_secs(1))
        .build()
        .await
        .unwrap();
    let held = a.next().await.unwrap();
    // 2.4 s, past two ack waits, saying "in progress" every 600 ms: nothing comes back.
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(600)).await;
        held.in_progress().await.unwrap();
    }
    assert!(tokio::time::timeout(Duration::from_millis(600), a.next()).await.is_err(), "not delivered again");
    // Once it stops, the event comes back after the ack wait.
    let again = tokio::time::timeout(Duration::from_secs(10), a.next()).await.unwrap().unwrap();
    assert_eq!(again.event.metadata().delivery_id(), held.event.metadata().delivery_id());
    again.ack().await.unwrap();
}

/// A `nats-server -js` of this test's own, to stop and start.
struct OwnNats(Child);

impl OwnNats {
    fn start(port: u16, dir: &std::path::Path) -> Option<Self> {
        let child = match Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd", dir.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("nats-server is not installed"),
            Err(_) => {
                let _ = writeln!(std::io::stderr(), "SKIPPED a NATS test: no nats-server binary");
                return None;
            }
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(10), "nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self(child))
    }
}

impl Drop for OwnNats {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_down_is_503_and_the_same_sink_takes_the_retry_once_it_is_back() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(unique("hookgate-nats-"));
    std::fs::create_dir_all(&dir).unwrap();
    let Some(nats) = OwnNats::start(port, &dir) else { return };
    let url = format!("nats://127.0.0.1:{port}");
    let sink = NatsSink::builder(url.clone()).timeout(Duration::from_millis(500)).build().await.unwrap();
    drop(nats);
    let back = Back { sink: sink.clone(), port, dir: dir.clone(), running: tokio::sync::Mutex::new(None) };
    hookgate_core::acceptance::sink_down(sink, back, |endpoint| {
        let url = url.clone();
        async move { stream_events(&url, "HOOKGATE", &endpoint).await }
    })
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

/// The sink that was down, once its NATS is started again (with its JetStream store): the client
/// reconnects by itself. Its first publishes may still fail while it does, as a sender's first
/// retries would: it tries again for a few seconds.
struct Back {
    sink: NatsSink,
    port: u16,
    dir: std::path::PathBuf,
    running: tokio::sync::Mutex<Option<OwnNats>>,
}

impl Sink for Back {
    async fn publish(&self, event: Event) -> Result<(), hookgate_core::SinkError> {
        {
            let mut running = self.running.lock().await;
            if running.is_none() {
                *running = Some(OwnNats::start(self.port, &self.dir).expect("nats-server starts again"));
            }
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.sink.publish(event.clone()).await {
                Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
                answer => return answer,
            }
        }
    }
}
