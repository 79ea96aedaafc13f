//! # hookgate-tower
//!
//! Verified, de-duplicated webhooks for axum, hyper and any tower stack. This crate only
//! translates: the rules (which status, when to hand off, when to complete a delivery) live in
//! [`hookgate_core`].
//!
//! Two modes (statuses and headers of each outcome: the repository's `docs/behaviour.md`):
//!
//! - **handler mode**: [`WebhookLayer`] wraps your handler's route. The request reaches it
//!   verified, with its raw body intact and the [`Metadata`] in its extensions; the delivery is
//!   marked done when the handler answers 2xx and released otherwise (also on panic or
//!   cancellation).
//! - **quick-ack mode**: [`QuickAck`] is a terminal service: it hands the [`Event`] to a
//!   [`Sink`] (the in-process [`channel`] by default) and answers 202 once it is there.
//!
//! This crate re-exports the core types an axum app needs, so it is the one import.
//!
//! ```
//! use axum::{Router, routing::post};
//! use hookgate_tower::{Endpoint, Preset, TestRequest, WebhookLayer, WebhookMeta};
//! use tower::ServiceExt;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let endpoint = Endpoint::preset(Preset::Github, &["s3cret"]).unwrap();
//! let app = Router::new().route(
//!     "/webhooks/github",
//!     post(|WebhookMeta(meta): WebhookMeta| async move { format!("got {}", meta.delivery_id()) })
//!         .layer(WebhookLayer::new(endpoint)),
//! );
//!
//! // A signed request, as GitHub would send it (`TestRequest`: feature `test-util`).
//! let req = TestRequest::signed(Preset::Github, "s3cret", r#"{"zen":"Design for failure."}"#).id("d-1");
//! let res = app.clone().oneshot(hookgate_tower::http_request("/webhooks/github", &req)).await.unwrap();
//! assert_eq!(res.status(), 200);
//!
//! // Unsigned: refused before the handler runs.
//! let unsigned = TestRequest::unsigned("{}");
//! let res = app.oneshot(hookgate_tower::http_request("/webhooks/github", &unsigned)).await.unwrap();
//! assert_eq!(res.status(), 401);
//! # });
//! ```
//!
//! ## Features
//! - `axum` (default): the extractors [`Webhook`], [`RawWebhook`], [`WebhookMeta`].
//! - `test-util`: signed test requests (`TestRequest`, `http_request`).

#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod layer;
mod service;

#[cfg(feature = "axum")]
mod extract;
#[cfg(feature = "axum")]
mod rejection;

pub use hookgate_core;
pub use hookgate_core::{
    BoxedStore, Endpoint, EndpointBuilder, Event, EventReceiver, EventSender, IdempotencyStore, MemoryStore, Metadata,
    Outcome, Preset, ReplayWindow, Secret, Secrets, Sink, Verifier, channel,
};
#[cfg(feature = "test-util")]
pub use hookgate_core::{SignOptions, TestRequest};
pub use layer::WebhookLayer;
pub use service::{HttpHeaders, OnRejection, QuickAck, ResponseBody, WebhookService, outcome_response};

/// `req` as an `http` request to `uri`, for driving a router or service in tests.
#[cfg(feature = "test-util")]
pub fn http_request(uri: &str, req: &TestRequest) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    let mut builder = http::Request::builder().method(hookgate_core::RequestHead::method(req)).uri(uri);
    for (name, value) in req.headers() {
        builder = builder.header(name, value);
    }
    builder.body(http_body_util::Full::new(req.bytes().clone())).expect("a TestRequest is a valid request")
}

#[cfg(feature = "axum")]
pub use extract::{RawWebhook, Webhook, WebhookMeta};
#[cfg(feature = "axum")]
pub use rejection::WebhookRejection;
