//! # hookgate-tower
//!
//! Verified, de-duplicated webhooks for axum, hyper and any tower stack. This crate only
//! translates: the rules (which status, when to hand off, when to complete a delivery) live in
//! [`hookgate_core`].
//!
//! Two modes, both following `CONTRACT.md` §1:
//!
//! - **handler mode** — [`WebhookLayer`] wraps your handler. The request reaches it verified,
//!   with its raw body intact and the [`Metadata`] in its extensions; the delivery is marked done
//!   when the handler answers 2xx and released otherwise (also on panic or cancellation).
//! - **quick-ack mode** — [`QuickAck`] is a terminal service: it hands the [`Event`] to a
//!   channel and answers 202 at once; you consume events from the receiver.
//!
//! ```
//! use axum::{Router, body::Body, http::Request, routing::post};
//! use hookgate_core::{Endpoint, Preset, Secret, SignOptions, Verifier};
//! use hookgate_tower::{WebhookLayer, WebhookMeta};
//! use tower::ServiceExt;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let verifier = Verifier::for_preset(Preset::Github, &["s3cret"]).unwrap();
//! let endpoint = Endpoint::builder("/webhooks/github", verifier).build().unwrap();
//! let app = Router::new()
//!     .route("/webhooks/github", post(|WebhookMeta(meta): WebhookMeta| async move {
//!         format!("got {}", meta.delivery_id())
//!     }))
//!     .layer(WebhookLayer::new(endpoint));
//!
//! let body = r#"{"zen":"Design for failure."}"#;
//! let mut req = Request::post("/webhooks/github");
//! for (k, v) in Preset::Github.scheme()
//!     .sign(&Secret::hmac("s3cret").unwrap(), body.as_bytes(), &SignOptions { id: Some("d-1"), ..Default::default() })
//!     .unwrap()
//! {
//!     req = req.header(k, v);
//! }
//! let res = app.clone().oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
//! assert_eq!(res.status(), 200);
//!
//! // Unsigned: refused before the handler runs.
//! let res = app.oneshot(Request::post("/webhooks/github").body(Body::from(body)).unwrap()).await.unwrap();
//! assert_eq!(res.status(), 401);
//! # });
//! ```

mod layer;
mod service;

#[cfg(feature = "axum")]
mod extract;
#[cfg(feature = "axum")]
mod rejection;

pub use hookgate_core::{Endpoint, Event, EventReceiver, EventSender, Metadata, Outcome, channel};
pub use layer::WebhookLayer;
pub use service::{
    HttpHeaders, OnRejection, QuickAck, ResponseBody, WebhookService, default_rejection, outcome_response,
};

#[cfg(feature = "axum")]
pub use extract::{RawWebhook, Webhook, WebhookMeta};
#[cfg(feature = "axum")]
pub use rejection::WebhookRejection;
