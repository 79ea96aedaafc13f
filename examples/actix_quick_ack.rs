//! Run with: `cargo run -p hookgate-examples --example actix_quick_ack`
//!
//! actix-web on 127.0.0.1:3002 receiving Stripe webhooks in quick-ack mode: verified, new
//! deliveries go to a channel (202 at once) and a consumer task logs them. Prints a signed `curl`
//! command to try (valid for 5 minutes: Stripe signs a timestamp).

use actix_web::{App, HttpResponse, HttpServer, web};
use hookgate_actix::{Endpoint, Preset, QuickAck};

const SECRET: &str = "whsec_example_stripe_secret";

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").with_writer(std::io::stderr).init();
    let (tx, mut rx) = hookgate_actix::channel(1024);
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
    // Built once, outside the app factory, and cloned into each worker: one store for all of
    // them, so a duplicate is a duplicate whichever worker it reaches.
    let endpoint = Endpoint::preset(Preset::Stripe, &[SECRET]).expect("secret");
    HttpServer::new(move || {
        App::new().service(
            web::resource("/webhooks/stripe")
                .wrap(QuickAck::new(endpoint.clone(), tx.clone()))
                .default_service(web::to(HttpResponse::Accepted)),
        )
    })
    .bind(("127.0.0.1", 3002))?
    .run()
    .await
}
