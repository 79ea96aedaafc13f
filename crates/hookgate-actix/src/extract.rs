//! `FromRequest` extractors mirroring hookgate-tower's axum ones.

use std::fmt;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;
use hookgate_core::Metadata;
use serde::de::DeserializeOwned;

/// A verified webhook's JSON payload, typed, with its metadata.
///
/// ```
/// use hookgate_core::providers::twabot;
/// use hookgate_actix::Webhook;
///
/// async fn handler(Webhook { payload, metadata }: Webhook<twabot::Event>) -> String {
///     format!("{} {}", payload.kind.event_type(), metadata.delivery_id())
/// }
/// let _ = actix_web::web::post().to(handler);
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

/// Why a webhook extractor refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The route is not wrapped in `WebhookMiddleware` (a server bug: 500).
    MissingMiddleware,
    /// The body could not be read (400).
    BodyUnreadable,
    /// The verified body is not the JSON the handler expects (422).
    InvalidPayload(serde_json::Error),
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingMiddleware => f.write_str(
                "hookgate extractor used on a route without hookgate_actix::WebhookMiddleware: wrap this route with it",
            ),
            Self::BodyUnreadable => f.write_str("request body could not be read"),
            Self::InvalidPayload(e) => write!(f, "webhook payload does not match the expected type: {e}"),
        }
    }
}

impl std::error::Error for WebhookRejection {}

impl ResponseError for WebhookRejection {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MissingMiddleware => StatusCode::INTERNAL_SERVER_ERROR,
            Self::BodyUnreadable => StatusCode::BAD_REQUEST,
            Self::InvalidPayload(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
    fn error_response(&self) -> HttpResponse {
        if matches!(self, Self::MissingMiddleware) {
            tracing::error!("{self}");
        }
        HttpResponse::build(self.status_code()).content_type("text/plain; charset=utf-8").body(self.to_string())
    }
}

fn metadata(req: &HttpRequest) -> Result<Metadata, WebhookRejection> {
    req.extensions().get::<Metadata>().cloned().ok_or(WebhookRejection::MissingMiddleware)
}

impl FromRequest for WebhookMeta {
    type Error = WebhookRejection;
    type Future = Ready<Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(metadata(req).map(WebhookMeta))
    }
}

impl FromRequest for RawWebhook {
    type Error = WebhookRejection;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let meta = metadata(req);
        let mut payload = payload.take();
        Box::pin(async move {
            let metadata = meta?;
            // The middleware already bounded and buffered the body: this is one chunk.
            let mut buf = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                buf.extend_from_slice(&chunk.map_err(|_| WebhookRejection::BodyUnreadable)?);
            }
            Ok(Self { body: buf.freeze(), metadata })
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Webhook<T> {
    type Error = WebhookRejection;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw = RawWebhook::from_request(req, payload);
        Box::pin(async move {
            let RawWebhook { body, metadata } = raw.await?;
            let payload = serde_json::from_slice(&body).map_err(WebhookRejection::InvalidPayload)?;
            Ok(Self { payload, metadata })
        })
    }
}
