//! # hookgate-actix
//!
//! Verified, de-duplicated webhooks for actix-web, with exactly the behaviour of
//! `hookgate-tower` (both only translate [`hookgate_core`]'s decisions; the shared contract tests
//! run against both).
//!
//! - **handler mode** — [`VerifyWebhooks::new`] wraps a route or scope: your handler runs only for
//!   verified, new deliveries, with the raw body intact and [`Metadata`] in the request
//!   extensions; the delivery is marked done on 2xx and released otherwise.
//! - **quick-ack mode** — [`VerifyWebhooks::quick_ack`] hands each event to a channel and answers
//!   202 itself; the wrapped handler is never called.
//!
//! ```
//! use actix_web::{App, HttpResponse, test, web};
//! use hookgate_core::{Endpoint, Preset, Verifier};
//! use hookgate_actix::{VerifyWebhooks, WebhookMeta};
//!
//! # actix_web::rt::System::new().block_on(async {
//! let endpoint = Endpoint::builder("/hooks", Verifier::for_preset(Preset::Github, &["s3cret"]).unwrap()).build().unwrap();
//! let app = test::init_service(
//!     App::new().service(
//!         web::resource("/hooks")
//!             .wrap(VerifyWebhooks::new(endpoint))
//!             .route(web::post().to(|WebhookMeta(m): WebhookMeta| async move {
//!                 HttpResponse::Ok().body(m.delivery_id().to_owned())
//!             })),
//!     ),
//! )
//! .await;
//! let res = test::call_service(&app, test::TestRequest::post().uri("/hooks").set_payload("{}").to_request()).await;
//! assert_eq!(res.status(), 401);
//! # });
//! ```

mod extract;
mod middleware;

pub use extract::{RawWebhook, Webhook, WebhookMeta, WebhookRejection};
pub use hookgate_core::{Endpoint, Event, EventReceiver, EventSender, Metadata, Outcome, channel};
pub use middleware::{ActixHeaders, VerifyWebhooks, VerifyWebhooksMiddleware, outcome_response};
