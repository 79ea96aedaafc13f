//! Shared by the hardening and soak tests: a real loopback server, a keep-alive HTTP/1 client,
//! signed deliveries, and the process's resident memory.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hookgate_core::{Preset, TestRequest};
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

pub(crate) fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

pub(crate) fn secret_text(p: Preset) -> &'static str {
    match p {
        Preset::StandardWebhooks | Preset::Svix => "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        _ => "hardening-secret",
    }
}

/// The headers a provider sends for `body`, signed now (a retry is signed afresh, as providers do).
pub(crate) fn sign(p: Preset, id: &str, body: &[u8]) -> Vec<(String, String)> {
    let req =
        TestRequest::signed(p, secret_text(p), body.to_vec()).id(id).event_type("soak.test").timestamp(unix_now());
    req.headers().to_vec()
}

/// A JSON body every preset finds its id in.
pub(crate) fn body_for(id: &str) -> Bytes {
    Bytes::from(format!(
        r#"{{"id":"{id}","type":"soak.test","event":"soak.test","eventId":"{id}","eventType":"soak.test","event_id":"{id}","data":{{"eventId":"{id}","message_id":"{id}"}},"pad":"{}"}}"#,
        "x".repeat(200)
    ))
}

/// Serves `app` on a loopback port.
pub(crate) async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// One keep-alive HTTP/1.1 connection that reconnects when the server closes it.
pub(crate) struct Client {
    addr: SocketAddr,
    conn: Option<SendRequest<Full<Bytes>>>,
}

impl Client {
    pub(crate) fn new(addr: SocketAddr) -> Self {
        Self { addr, conn: None }
    }

    /// POSTs and returns the status and body, or the I/O error text. A kept-alive connection the
    /// server closed meanwhile (after a 413 it did not read, say) is replaced once, as HTTP
    /// clients do.
    pub(crate) async fn post(
        &mut self,
        path: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<(u16, Bytes), String> {
        let reused = self.conn.is_some();
        match self.post_once(path, headers, body.clone()).await {
            Err(_) if reused => self.post_once(path, headers, body).await,
            other => other,
        }
    }

    async fn post_once(
        &mut self,
        path: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<(u16, Bytes), String> {
        // A connection the server closed (e.g. after a 413 it did not read) is replaced.
        if let Some(c) = self.conn.as_mut()
            && c.ready().await.is_err()
        {
            self.conn = None;
        }
        if self.conn.is_none() {
            let stream = tokio::net::TcpStream::connect(self.addr).await.map_err(|e| e.to_string())?;
            stream.set_nodelay(true).ok();
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            sender.ready().await.map_err(|e| e.to_string())?;
            self.conn = Some(sender);
        }
        let sender = self.conn.as_mut().unwrap();
        let mut req = hyper::Request::post(path).header("host", self.addr.to_string());
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let res = match sender.send_request(req.body(Full::new(body)).unwrap()).await {
            Ok(r) => r,
            Err(e) => {
                self.conn = None;
                return Err(e.to_string());
            }
        };
        let status = res.status().as_u16();
        let body = res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok((status, body))
    }
}

/// Resident set size of this process, in KiB (Linux).
pub(crate) fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Sleeps `base * 2^attempt`, at most `cap`.
pub(crate) async fn backoff(attempt: u32, base: Duration, cap: Duration) {
    tokio::time::sleep(base.saturating_mul(1 << attempt.min(16)).min(cap)).await;
}
