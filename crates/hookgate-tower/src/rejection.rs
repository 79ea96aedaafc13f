//! The extractors' rejection.

use std::fmt;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why a webhook extractor refused.
///
/// ```
/// use hookgate_tower::WebhookRejection;
/// assert_eq!(WebhookRejection::MissingLayer.status(), 500);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The route is not behind a `WebhookLayer` (a server bug: 500).
    MissingLayer,
    /// The body could not be read (400).
    BodyUnreadable,
    /// The verified body is not the JSON the handler expects (422).
    InvalidPayload(serde_json::Error),
}

impl WebhookRejection {
    /// The status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingLayer => StatusCode::INTERNAL_SERVER_ERROR,
            Self::BodyUnreadable => StatusCode::BAD_REQUEST,
            Self::InvalidPayload(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// The response body.
    pub fn body_text(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingLayer => f.write_str(
                "hookgate extractor used on a route without hookgate_tower::WebhookLayer: add the layer to this route",
            ),
            Self::BodyUnreadable => f.write_str("request body could not be read"),
            Self::InvalidPayload(e) => write!(f, "webhook payload does not match the expected type: {e}"),
        }
    }
}

impl std::error::Error for WebhookRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidPayload(e) => Some(e),
            _ => None,
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        if matches!(self, Self::MissingLayer) {
            tracing::error!("{self}");
        }
        (self.status(), self.body_text()).into_response()
    }
}
