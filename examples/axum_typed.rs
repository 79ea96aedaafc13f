//! Run with: `cargo run -p hookgate-examples --example axum_typed`
//!
//! Handler mode with a typed payload: a Prime Bot endpoint on 127.0.0.1:3001 whose handler takes
//! `Webhook<primebot::Event>`. The delivery is marked done only when the handler answers 2xx.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use hookgate_core::providers::primebot::{self, EventKind};
use hookgate_core::{Endpoint, Preset, Verifier};
use hookgate_tower::{Webhook, WebhookLayer};

const SECRET: &str = "primebot-signing-secret-32-chars!";

async fn on_primebot(Webhook { payload, metadata }: Webhook<primebot::Event>) -> StatusCode {
    match payload.kind {
        EventKind::MessageReceived(m) => {
            tracing::info!(delivery = metadata.delivery_id(), text = ?m.body, "inbound Telegram message")
        }
        other => tracing::info!(delivery = metadata.delivery_id(), event = other.event_type(), "other event"),
    }
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter("info").with_writer(std::io::stderr).init();
    let verifier = Verifier::for_preset(Preset::Primebot, &[SECRET]).expect("valid secret");
    let endpoint = Endpoint::builder("/webhooks/primebot", verifier).build().expect("valid endpoint");
    let app = Router::new().route("/webhooks/primebot", post(on_primebot)).layer(WebhookLayer::new(endpoint));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3001").await.expect("port 3001 is free");
    let body = r#"{"id":"evt_01H8Q3","type":"message.received","created_at":"2026-04-21T16:02:41Z","data":{"campaign_id":1,"sender_id":904,"telegram_message_id":"1827361231","body":"what is the pricing like?"}}"#;
    println!("listening on http://127.0.0.1:3001/webhooks/primebot — try (within 5 minutes):\n");
    println!(
        "{}\n",
        hookgate_examples::curl_command(
            "http://127.0.0.1:3001/webhooks/primebot",
            Preset::Primebot,
            SECRET,
            "dlv_1",
            "message.received",
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
