//! axum extractors for routes behind a [`crate::WebhookLayer`].

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use bytes::Bytes;
use hookgate_core::Metadata;
use serde::de::DeserializeOwned;

use crate::rejection::WebhookRejection;

/// A verified webhook's JSON payload, typed, with its metadata.
///
/// ```
/// use hookgate_core::providers::primebot;
/// use hookgate_tower::Webhook;
///
/// async fn handler(Webhook { payload, metadata }: Webhook<primebot::Event>) -> &'static str {
///     tracing::info!(delivery = metadata.delivery_id(), "{:?}", payload.kind);
///     "ok"
/// }
/// let _app: axum::Router = axum::Router::new().route("/hooks", axum::routing::post(handler));
/// ```
#[derive(Debug, Clone)]
pub struct Webhook<T> {
    /// The body, parsed.
    pub payload: T,
    /// What hookgate verified.
    pub metadata: Metadata,
}

/// A verified webhook's raw body (exactly as signed) with its metadata.
#[derive(Debug, Clone)]
pub struct RawWebhook {
    /// The raw body.
    pub body: Bytes,
    /// What hookgate verified.
    pub metadata: Metadata,
}

/// A verified webhook's metadata alone (reads no body).
#[derive(Debug, Clone)]
pub struct WebhookMeta(pub Metadata);

fn metadata(ext: &axum::http::Extensions) -> Result<Metadata, WebhookRejection> {
    ext.get::<Metadata>().cloned().ok_or(WebhookRejection::MissingLayer)
}

impl<S: Send + Sync> FromRequestParts<S> for WebhookMeta {
    type Rejection = WebhookRejection;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        metadata(&parts.extensions).map(WebhookMeta)
    }
}

impl<S: Send + Sync> FromRequest<S> for RawWebhook {
    type Rejection = WebhookRejection;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let metadata = metadata(req.extensions())?;
        let body = Bytes::from_request(req, state).await.map_err(|_| WebhookRejection::BodyUnreadable)?;
        Ok(Self { body, metadata })
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Webhook<T> {
    type Rejection = WebhookRejection;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let RawWebhook { body, metadata } = RawWebhook::from_request(req, state).await?;
        let payload = serde_json::from_slice(&body).map_err(WebhookRejection::InvalidPayload)?;
        Ok(Self { payload, metadata })
    }
}
