//! `hand-proxy PORT UPSTREAM`: the calibration of the synchronous-forward benchmark
//! (`bench/proxy.sh`). The minimal reverse proxy a careful user writes by hand with hyper: an
//! axum route taking the body as `Bytes`, POSTing it with its `Content-Type` to `UPSTREAM` on a
//! pooled hyper-util client, and answering with the upstream's status and body. No verification,
//! no dedupe: what one proxy hop costs here. Multi-threaded runtime, as `hookgate serve`.

use axum::body::Bytes;
use axum::http::{HeaderMap, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

#[derive(Clone)]
struct Proxy {
    client: Client<HttpConnector, Full<Bytes>>,
    upstream: Uri,
}

async fn forward(axum::extract::State(p): axum::extract::State<Proxy>, headers: HeaderMap, body: Bytes) -> Response {
    let mut req = Request::post(p.upstream.clone());
    if let (Some(h), Some(ct)) = (req.headers_mut(), headers.get(header::CONTENT_TYPE)) {
        h.insert(header::CONTENT_TYPE, ct.clone());
    }
    let Ok(req) = req.body(Full::new(body)) else { return StatusCode::BAD_GATEWAY.into_response() };
    match p.client.request(req).await {
        Ok(res) => {
            let (parts, body) = res.into_parts();
            match body.collect().await {
                Ok(b) => (parts.status, b.to_bytes()).into_response(),
                Err(_) => StatusCode::BAD_GATEWAY.into_response(),
            }
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).expect("usage: hand-proxy PORT UPSTREAM");
    let upstream: Uri = args.next().and_then(|u| u.parse().ok()).expect("usage: hand-proxy PORT UPSTREAM");
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let proxy = Proxy { client: Client::builder(TokioExecutor::new()).build(connector), upstream };
    let app = axum::Router::new().route("/webhooks", axum::routing::post(forward)).with_state(proxy);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("serve");
}
