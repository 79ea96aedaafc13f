//! The HTTP forward sink of `hookgate serve`: each verified, new delivery is POSTed to the app,
//! and the app's answer is the sender's. It runs in handler mode: the app's 2xx marks the
//! delivery processed, anything else (the app's non-2xx, or 502/504 when it cannot be reached or
//! is too slow) releases it, so the sender's retry goes through.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hookgate_core::Metadata;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::{Request, Response, StatusCode, Uri, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// The largest app answer passed back to the sender; a longer one is cut to a 502.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Forwards verified deliveries to one URL of the app. Cheap to clone (one shared part): the
/// service is cloned for every request.
#[derive(Clone)]
pub(crate) struct Forward(Arc<Upstream>);

/// Where and how [`Forward`] posts.
pub(crate) struct Upstream {
    client: Client<HttpConnector, Full<Bytes>>,
    url: Uri,
    timeout: Duration,
    /// Request headers passed on as they came (lowercase), e.g. a provider's signature.
    pass_on: Box<[String]>,
}

impl std::ops::Deref for Forward {
    type Target = Upstream;
    fn deref(&self) -> &Upstream {
        &self.0
    }
}

impl Forward {
    pub(crate) fn new(url: &str, timeout: Duration, pass_on: &[String]) -> anyhow::Result<Self> {
        let url: Uri = url.parse().map_err(|e| anyhow::anyhow!("`{url}` is not a URL: {e}"))?;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(timeout));
        Ok(Self(Arc::new(Upstream {
            client: Client::builder(TokioExecutor::new()).build(connector),
            url,
            timeout,
            pass_on: pass_on.iter().map(|h| h.to_ascii_lowercase()).collect(),
        })))
    }

    /// The request to the app: the exact body with its `Content-Type`, the `Hookgate-*` headers,
    /// and the headers listed to pass on.
    fn request(&self, incoming: &Request<Full<Bytes>>, body: Full<Bytes>) -> anyhow::Result<Request<Full<Bytes>>> {
        let mut req = Request::post(&self.url);
        let h = req.headers_mut().ok_or_else(|| anyhow::anyhow!("bad request"))?;
        if let Some(ct) = incoming.headers().get(header::CONTENT_TYPE) {
            h.insert(header::CONTENT_TYPE, ct.clone());
        }
        for name in self.pass_on.iter() {
            for v in incoming.headers().get_all(name.as_str()) {
                h.append(header::HeaderName::from_bytes(name.as_bytes())?, v.clone());
            }
        }
        if let Some(m) = incoming.extensions().get::<Metadata>() {
            insert_hookgate_headers(h, m);
        }
        Ok(req.body(body)?)
    }

    /// Sends `req` to the app and reads its answer (up to [`MAX_ANSWER_BYTES`]), all within the
    /// timeout.
    async fn send(&self, req: Request<Full<Bytes>>) -> Sent {
        let sent = tokio::time::timeout(self.timeout, async {
            let res = self.client.request(req).await?;
            let (parts, body) = res.into_parts();
            let body = Limited::new(body, MAX_ANSWER_BYTES).collect().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            anyhow::Ok(Response::from_parts(parts, Full::new(body.to_bytes())))
        })
        .await;
        match sent {
            Ok(Ok(res)) => Sent::Answered(res),
            Ok(Err(e)) => Sent::Unreachable(e.to_string()),
            Err(_) => Sent::TimedOut,
        }
    }

    async fn forward(self, incoming: Request<Full<Bytes>>) -> Response<Full<Bytes>> {
        let (parts, body) = incoming.into_parts();
        let incoming = Request::from_parts(parts, Full::new(Bytes::new()));
        let Ok(req) = self.request(&incoming, body) else { return answer(StatusCode::BAD_GATEWAY, "bad gateway") };
        let delivery = incoming.extensions().get::<Metadata>().map(|m| m.delivery_id().to_owned()).unwrap_or_default();
        match self.send(req).await {
            Sent::Answered(res) => {
                tracing::info!(delivery_id = %delivery, status = res.status().as_u16(), "forwarded");
                res
            }
            Sent::Unreachable(e) => {
                tracing::warn!(delivery_id = %delivery, url = %self.url, error = %e, "app unreachable: 502, claim released");
                answer(StatusCode::BAD_GATEWAY, "bad gateway")
            }
            Sent::TimedOut => {
                tracing::warn!(delivery_id = %delivery, url = %self.url, timeout_ms = self.timeout.as_millis() as u64, "app too slow: 504, claim released");
                answer(StatusCode::GATEWAY_TIMEOUT, "gateway timeout")
            }
        }
    }
}

/// What one request to the app came to.
enum Sent {
    /// The app's answer, read whole.
    Answered(Response<Full<Bytes>>),
    /// No connection, or it broke (or the answer was too long).
    Unreachable(String),
    /// No whole answer within the timeout.
    TimedOut,
}

/// Sets the `Hookgate-*` headers of the delivery `m` on a request to the app.
fn insert_hookgate_headers(h: &mut header::HeaderMap, m: &Metadata) {
    for (name, value) in hookgate_headers(m) {
        // Takes the string's buffer as it is, no copy.
        if let Ok(v) = header::HeaderValue::try_from(value) {
            h.insert(name, v);
        }
    }
}

/// The `Hookgate-*` headers of a delivery, as every sink writes them.
fn hookgate_headers(m: &Metadata) -> Vec<(&'static str, String)> {
    let mut h = vec![
        ("hookgate-delivery-id", m.delivery_id().to_owned()),
        ("hookgate-endpoint", m.endpoint().to_owned()),
        ("hookgate-provider", m.provider().to_owned()),
        ("hookgate-received-at", humantime::format_rfc3339_millis(m.received_at()).to_string()),
    ];
    if let Some(t) = m.event_type() {
        h.push(("hookgate-event-type", t.to_owned()));
    }
    if let Some(ts) = m.timestamp() {
        h.push(("hookgate-timestamp", ts.to_string()));
    }
    h
}

impl Forward {
    /// Whether the app accepts connections, for readiness checks.
    pub(crate) async fn reachable(&self) -> Result<(), String> {
        let host = self.url.host().unwrap_or("127.0.0.1").to_owned();
        let port = self.url.port_u16().unwrap_or(80);
        match tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect((host.as_str(), port))).await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("{}: {e}", self.url)),
            Err(_) => Err(format!("{}: no answer within 2 s", self.url)),
        }
    }
}

impl Forward {
    /// Shadow mode: the request as it came (every header but the connection's own), to the
    /// app; the app's answer, or 502/504.
    pub(crate) async fn pass_through(&self, headers: &hyper::HeaderMap, body: Bytes) -> Response<Full<Bytes>> {
        let mut req = Request::post(&self.url);
        if let Some(h) = req.headers_mut() {
            for (name, value) in headers {
                let own = [header::HOST, header::CONTENT_LENGTH, header::CONNECTION, header::TRANSFER_ENCODING];
                if !own.contains(name) {
                    h.append(name.clone(), value.clone());
                }
            }
        }
        let Ok(req) = req.body(Full::new(body)) else { return answer(StatusCode::BAD_GATEWAY, "bad gateway") };
        match self.send(req).await {
            Sent::Answered(res) => res,
            Sent::Unreachable(_) => answer(StatusCode::BAD_GATEWAY, "bad gateway"),
            Sent::TimedOut => answer(StatusCode::GATEWAY_TIMEOUT, "gateway timeout"),
        }
    }
}

/// What became of one POST of an event to the app.
#[derive(Debug)]
pub(crate) enum Posted {
    /// The app answered: its status, and its `Retry-After` in seconds when it sent one.
    Answered(StatusCode, Option<Duration>),
    /// The app could not be reached (connection refused, reset, …).
    Unreachable(String),
    /// The app did not answer within the timeout.
    TimedOut,
}

impl Forward {
    /// POSTs `event` to the app as the HTTP sink does (exact body, its `Content-Type`, the
    /// `Hookgate-*` headers), for the queued forwarder.
    pub(crate) async fn post_event(&self, event: &hookgate_core::Event) -> Posted {
        let m = event.metadata();
        let mut req = Request::post(&self.url);
        if let Some(h) = req.headers_mut() {
            if let Some(ct) = m.content_type().and_then(|c| header::HeaderValue::from_str(c).ok()) {
                h.insert(header::CONTENT_TYPE, ct);
            }
            insert_hookgate_headers(h, m);
        }
        let Ok(req) = req.body(Full::new(event.body().clone())) else {
            return Posted::Unreachable("the request could not be built".into());
        };
        match self.send(req).await {
            Sent::TimedOut => Posted::TimedOut,
            Sent::Unreachable(e) => Posted::Unreachable(e),
            Sent::Answered(res) => {
                let retry_after = res
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                Posted::Answered(res.status(), retry_after)
            }
        }
    }
}

fn answer(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain; charset=utf-8"));
    res
}

impl tower::Service<Request<Full<Bytes>>> for Forward {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Full<Bytes>>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(this.forward(req).await) })
    }
}
