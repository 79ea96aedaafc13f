//! [`WebhookLayer`]: handler mode as a tower `Layer`.

use std::sync::Arc;

use bytes::Bytes;
use hookgate_core::{Endpoint, IdempotencyStore, MemoryStore, Outcome};
use http::Response;
use http_body_util::Full;
use tower::Layer;

use crate::service::{OnRejection, WebhookService, default_rejection};

/// Wraps a service so that only verified, new deliveries reach it.
///
/// Build the [`Endpoint`] (verifier, secrets, store, limits, replay window) with
/// [`Endpoint::builder`]; the layer adds only an optional custom rejection response.
///
/// ```
/// use hookgate_core::{Endpoint, Preset, Verifier};
/// use hookgate_tower::WebhookLayer;
///
/// let verifier = Verifier::for_preset(Preset::Stripe, &["whsec_..."]).unwrap();
/// let layer = WebhookLayer::new(Endpoint::builder("/stripe", verifier).max_body_bytes(256 * 1024).build().unwrap())
///     .on_rejection(|outcome: &hookgate_core::Outcome| {
///         hookgate_tower::default_rejection(outcome) // or your own response
///     });
/// # let _ = layer;
/// ```
pub struct WebhookLayer<St = MemoryStore> {
    endpoint: Endpoint<St>,
    on_rejection: Arc<dyn OnRejection>,
}

impl<St> Clone for WebhookLayer<St> {
    fn clone(&self) -> Self {
        Self { endpoint: self.endpoint.clone(), on_rejection: Arc::clone(&self.on_rejection) }
    }
}

impl<St: IdempotencyStore> WebhookLayer<St> {
    /// A layer for `endpoint`.
    pub fn new(endpoint: Endpoint<St>) -> Self {
        Self { endpoint, on_rejection: Arc::new(default_rejection) }
    }

    /// Replaces the response written for refusals (status and headers should stay the
    /// outcome's: senders rely on them).
    pub fn on_rejection<F>(mut self, f: F) -> Self
    where
        F: Fn(&Outcome) -> Response<Full<Bytes>> + Send + Sync + 'static,
    {
        self.on_rejection = Arc::new(f);
        self
    }
}

impl<S, St: IdempotencyStore> Layer<S> for WebhookLayer<St> {
    type Service = WebhookService<S, St>;
    fn layer(&self, inner: S) -> Self::Service {
        WebhookService::new(inner, self.endpoint.clone(), Arc::clone(&self.on_rejection))
    }
}
