//! # hookgate-actix
//!
//! Verified, de-duplicated webhooks for actix-web, with exactly the behaviour of
//! `hookgate-tower` (both only translate [`hookgate_core`]'s decisions; the shared contract tests
//! run against both).
//!
//! - **handler mode**: [`WebhookMiddleware`] wraps a resource or scope: your handler runs only
//!   for verified, new deliveries, with the raw body intact and [`Metadata`] in the request
//!   extensions; the delivery is marked done on 2xx and released otherwise.
//! - **quick-ack mode**: [`QuickAck`] hands each event to a [`Sink`] (the in-process [`channel`]
//!   by default) and answers 202 itself; the wrapped handler is never called.
//!
//! The names match `hookgate-tower`'s (`QuickAck`, `on_rejection`, `outcome_response`, the
//! extractors), and this crate re-exports the core types an actix app needs. Build the
//! [`Endpoint`] once, outside `HttpServer::new`, and clone it into the app factory: one built
//! inside would give every worker an in-memory store of its own.
//!
//! ```
//! use actix_web::{App, HttpResponse, test, web};
//! use hookgate_actix::{Endpoint, Preset, WebhookMeta, WebhookMiddleware};
//!
//! # actix_web::rt::System::new().block_on(async {
//! let endpoint = Endpoint::preset(Preset::Github, &["s3cret"]).unwrap();
//! let app = test::init_service(
//!     App::new().service(
//!         web::resource("/hooks")
//!             .wrap(WebhookMiddleware::new(endpoint.clone()))
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

#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod extract;
mod middleware;

pub use extract::{RawWebhook, Webhook, WebhookMeta, WebhookRejection};
pub use hookgate_core;
pub use hookgate_core::{
    BoxedStore, Endpoint, EndpointBuilder, Event, EventReceiver, EventSender, IdempotencyStore, MemoryStore, Metadata,
    Outcome, Preset, ReplayWindow, Secret, Secrets, Sink, Verifier, channel,
};
#[cfg(feature = "test-util")]
pub use hookgate_core::{SignOptions, TestRequest};
pub use middleware::{
    ActixHeaders, OnRejection, QuickAck, QuickAckService, WebhookMiddleware, WebhookMiddlewareService, outcome_response,
};
