//! `nats-ceiling URL N CONCURRENCY`: JetStream's own rate here, the ceiling row of
//! `bench/forward.sh` (no `nats bench` tool is installed). Publishes N 1 KiB messages to a stream
//! of its own, CONCURRENCY at once, each awaiting its `PubAck` — what the JetStream sink does per
//! event — and prints messages per second.

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("usage: nats-ceiling URL N CONCURRENCY");
    let n: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let concurrency: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(50);
    let js = async_nats::jetstream::new(async_nats::connect(&url).await.expect("nats"));
    let name = format!("CEILING_{}", std::process::id());
    let subject = format!("ceiling.{}", std::process::id());
    let config = async_nats::jetstream::stream::Config {
        name: name.clone(),
        subjects: vec![subject.clone()],
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    };
    js.get_or_create_stream(config).await.expect("stream");
    let body = bytes::Bytes::from(vec![b'x'; 1024]);
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|t| {
            let (js, subject, body) = (js.clone(), subject.clone(), body.clone());
            tokio::spawn(async move {
                for i in (t..n).step_by(concurrency) {
                    let mut h = async_nats::HeaderMap::new();
                    h.insert("Nats-Msg-Id", format!("m-{i}").as_str());
                    let ack = js.publish_with_headers(subject.clone(), h, body.clone()).await.expect("publish");
                    ack.await.expect("ack");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    js.delete_stream(&name).await.expect("delete");
    println!("{rate:.0}");
}
