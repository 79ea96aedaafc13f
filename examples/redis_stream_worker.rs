//! Run with: `cargo run -p hookgate-examples --example redis_stream_worker`
//!
//! The worker side of `redis_stream_receiver`: reads the Redis Stream `hookgate:examples` in the
//! consumer group `examples`, handles each event, and acknowledges it only once handled. Start
//! several (they share the work); kill one mid-way: what it read but did not acknowledge is taken
//! over by another after 30 s, or read first by itself when restarted under the same
//! `WORKER_NAME`. Needs Redis at `REDIS_URL` (default `redis://127.0.0.1:6379`).

use std::time::Duration;

use hookgate_redis::RedisStreamConsumer;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter("info").with_writer(std::io::stderr).init();
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let name = std::env::var("WORKER_NAME").unwrap_or_else(|_| format!("worker-{}", std::process::id()));

    let mut consumer = RedisStreamConsumer::builder(url.clone())
        .stream("hookgate:examples")
        .group("examples")
        .consumer(name.clone())
        .min_idle(Duration::from_secs(30))
        .build()
        .await
        .unwrap_or_else(|e| panic!("Redis at {url}: {e}"));
    println!("{name} reading the Redis stream `hookgate:examples` (Ctrl-C to stop)");
    let result = consumer
        .run(|event| async move {
            let m = event.metadata();
            // The work: whatever your app does with the webhook. An Err leaves the entry pending.
            tracing::info!(delivery = m.delivery_id(), event = ?m.event_type(), bytes = event.body().len(), "handled");
            Ok::<(), std::convert::Infallible>(())
        })
        .await;
    if let Err(e) = result {
        eprintln!("stopped: {e}");
    }
}
