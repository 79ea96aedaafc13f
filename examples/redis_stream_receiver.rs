//! Run with: `cargo run -p hookgate-examples --example redis_stream_receiver`
//! (and, beside it, `cargo run -p hookgate-examples --example redis_stream_worker`)
//!
//! An axum server on 127.0.0.1:3001 receiving GitHub webhooks in quick-ack mode onto a Redis
//! Stream: each verified, new delivery is one stream entry, written (together with the record
//! that the delivery is done) before the 202. Kill it at any moment: every acknowledged event is
//! in Redis, and the worker picks it up. Needs Redis at `REDIS_URL` (default
//! `redis://127.0.0.1:6379`). On start it prints a signed `curl` command to try it.

use axum::Router;
use hookgate_tower::{Endpoint, Preset, QuickAck};

const SECRET: &str = "It's a Secret to Everybody";

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter("info").with_writer(std::io::stderr).init();
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());

    let sink = hookgate_redis::RedisStreamSink::builder(url.clone())
        .stream("hookgate:examples")
        .build()
        .await
        .unwrap_or_else(|e| panic!("Redis at {url}: {e}"));
    let endpoint = Endpoint::preset(Preset::Github, &[SECRET]).expect("valid secret");
    let app = Router::new().route_service("/webhooks/github", QuickAck::new(endpoint, sink));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3001").await.expect("port 3001 is free");
    println!(
        "listening on http://127.0.0.1:3001/webhooks/github, writing to the Redis stream `hookgate:examples` — try:\n"
    );
    let body = r#"{"zen":"Approachable is better than simple.","hook_id":1}"#;
    println!(
        "{}\n",
        hookgate_examples::curl_command(
            "http://127.0.0.1:3001/webhooks/github",
            Preset::Github,
            SECRET,
            "example-delivery-1",
            "ping",
            body
        )
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await
        .expect("server");
}
