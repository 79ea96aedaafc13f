//! [`WebhookLayer`]: handler mode as a tower `Layer`.

use std::sync::Arc;

use bytes::Bytes;
use hookgate_core::{Endpoint, IdempotencyStore, MemoryStore, Outcome};
use http::Response;
use http_body_util::Full;
use tower::Layer;

use crate::service::{OnRejection, WebhookService};

/// Wraps a handler so that only verified, new deliveries reach it: every request that reaches
/// the wrapped service is verified. Apply it to the webhook's own route (`post(handler).layer(..)`
/// or `Router::route_layer`), not to a whole router: on a router it would guard every route.
///
/// Build the [`Endpoint`] (verifier, secrets, store, limits, replay window) with
/// [`Endpoint::preset`] or [`Endpoint::builder`]; the layer adds only an optional custom
/// rejection response.
///
/// ```
/// use axum::{Router, routing::post};
/// use hookgate_tower::{Endpoint, Preset, WebhookLayer, WebhookMeta};
///
/// let endpoint = Endpoint::preset(Preset::Stripe, &["whsec_..."]).unwrap();
/// let layer = WebhookLayer::new(endpoint).on_rejection(|outcome: &hookgate_tower::Outcome| {
///     hookgate_tower::outcome_response(outcome) // or your own response
/// });
/// let app: Router = Router::new()
///     .route("/stripe", post(|WebhookMeta(m): WebhookMeta| async move { m.delivery_id().to_owned() }).layer(layer))
///     .route("/health", axum::routing::get(|| async { "ok" }));
/// ```
pub struct WebhookLayer<St = MemoryStore> {
    endpoint: Endpoint<St>,
    on_rejection: Option<Arc<dyn OnRejection>>,
}

impl<St> Clone for WebhookLayer<St> {
    fn clone(&self) -> Self {
        Self { endpoint: self.endpoint.clone(), on_rejection: self.on_rejection.clone() }
    }
}

impl<St: IdempotencyStore> WebhookLayer<St> {
    /// A layer for `endpoint`.
    pub fn new(endpoint: Endpoint<St>) -> Self {
        Self { endpoint, on_rejection: None }
    }

    /// Replaces the response written for refusals (every outcome but 200 duplicate). Keep the
    /// outcome's status and headers: senders rely on them.
    pub fn on_rejection<F>(mut self, f: F) -> Self
    where
        F: Fn(&Outcome) -> Response<Full<Bytes>> + Send + Sync + 'static,
    {
        self.on_rejection = Some(Arc::new(f));
        self
    }
}

impl<S, St: IdempotencyStore> Layer<S> for WebhookLayer<St> {
    type Service = WebhookService<S, St>;
    fn layer(&self, inner: S) -> Self::Service {
        WebhookService::new(inner, self.endpoint.clone(), self.on_rejection.clone())
    }
}
