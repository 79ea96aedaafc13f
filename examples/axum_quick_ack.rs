//! Run with: `cargo run -p hookgate-examples --example axum_quick_ack`
//!
//! An axum server on 127.0.0.1:3000 receiving GitHub webhooks in quick-ack mode: each verified,
//! new delivery is handed to a channel and answered 202 at once; a consumer task logs it.
//! The in-memory idempotency store answers the sender's retries with 200 + `Hookgate-Duplicate`.
//! On start it prints a signed `curl` command to try it.

use axum::Router;
use hookgate_core::{Endpoint, Preset, Verifier};
use hookgate_tower::QuickAck;

const SECRET: &str = "It's a Secret to Everybody";

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter("info").with_writer(std::io::stderr).init();

    let verifier = Verifier::for_preset(Preset::Github, &[SECRET]).expect("valid secret");
    let endpoint = Endpoint::builder("/webhooks/github", verifier).build().expect("valid endpoint");
    let (tx, mut rx) = hookgate_core::channel(1024);

    // The work happens here, after the 202: nothing is acknowledged before it is in the channel.
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            let m = event.metadata();
            tracing::info!(delivery = m.delivery_id(), event = ?m.event_type(), bytes = event.body().len(), "processing webhook");
        }
    });

    let app = Router::new().route_service("/webhooks/github", QuickAck::new(endpoint, tx));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.expect("port 3000 is free");
    println!("listening on http://127.0.0.1:3000/webhooks/github — try:\n");
    let body = r#"{"zen":"Speak like a human.","hook_id":1}"#;
    println!(
        "{}\n",
        hookgate_examples::curl_command(
            "http://127.0.0.1:3000/webhooks/github",
            Preset::Github,
            SECRET,
            "example-delivery-1",
            "ping",
            body
        )
    );
    println!("(run it twice: 202 Accepted, then 200 with Hookgate-Duplicate: true)");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await
        .expect("server");
}
