//! Run with: `cargo run -p hookgate-examples --example actix_quick_ack`
//!
//! actix-web on 127.0.0.1:3002 receiving Stripe webhooks in quick-ack mode: verified, new
//! deliveries go to a channel (202 at once) and a consumer task logs them. Prints a signed `curl`
//! command to try (valid for 5 minutes: Stripe signs a timestamp).

use actix_web::{App, HttpResponse, HttpServer, web};
use hookgate_actix::VerifyWebhooks;
use hookgate_core::{Endpoint, Preset, Verifier};

const SECRET: &str = "whsec_example_stripe_secret";

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").with_writer(std::io::stderr).init();
    let (tx, mut rx) = hookgate_core::channel(1024);
    actix_web::rt::spawn(async move {
        while let Some(event) = rx.recv().await {
            let m = event.metadata();
            tracing::info!(delivery = m.delivery_id(), event = ?m.event_type(), "processing webhook");
        }
    });
    let body = r#"{"id":"evt_1NexAmple","object":"event","type":"invoice.paid"}"#;
    println!("listening on http://127.0.0.1:3002/webhooks/stripe — try:\n");
    println!(
        "{}\n",
        hookgate_examples::curl_command("http://127.0.0.1:3002/webhooks/stripe", Preset::Stripe, SECRET, "", "", body)
    );
    HttpServer::new(move || {
        // Endpoints are per worker here; share one store across workers for dedupe between them.
        let endpoint =
            Endpoint::builder("/webhooks/stripe", Verifier::for_preset(Preset::Stripe, &[SECRET]).expect("secret"))
                .store(STORE.clone())
                .build()
                .expect("endpoint");
        App::new().service(
            web::resource("/webhooks/stripe")
                .wrap(VerifyWebhooks::quick_ack(endpoint, tx.clone()))
                .default_service(web::to(HttpResponse::Accepted)),
        )
    })
    .bind(("127.0.0.1", 3002))?
    .run()
    .await
}

static STORE: std::sync::LazyLock<hookgate_core::MemoryStore> =
    std::sync::LazyLock::new(hookgate_core::MemoryStore::new);
