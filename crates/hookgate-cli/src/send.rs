//! `hookgate sign` and `hookgate send`.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow, bail};
use bytes::Bytes;
use clap::Args;
use hookgate_core::{Preset, Scheme, Secret, SignOptions};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use crate::SignArgs;

fn secret_for(scheme: &Scheme, text: &str) -> anyhow::Result<Secret> {
    Secret::parse(scheme.secret_format(), text).map_err(|e| anyhow!("--secret: {e}"))
}

fn preset(name: &str) -> anyhow::Result<Preset> {
    Preset::from_name(name).map_err(|e| anyhow!("--provider: {e}"))
}

pub(crate) fn sign_main(a: SignArgs) -> anyhow::Result<ExitCode> {
    let scheme = preset(&a.provider)?.scheme();
    let secret = secret_for(&scheme, &a.secret)?;
    let body = crate::read_body(&a.body)?;
    let opts = SignOptions { id: a.id.as_deref(), timestamp: a.timestamp, event_type: a.event.as_deref() };
    for (k, v) in scheme.sign(&secret, &body, &opts).map_err(|e| anyhow!("{e}"))? {
        println!("{}: {v}", display_name(&k));
    }
    Ok(ExitCode::SUCCESS)
}

/// `x-hub-signature-256` → `X-Hub-Signature-256`, for people reading the output.
fn display_name(lower: &str) -> String {
    lower
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Arguments of `hookgate send`.
#[derive(Args)]
pub(crate) struct SendArgs {
    /// Where to POST (http:// only).
    url: String,
    /// Provider preset.
    #[arg(long)]
    provider: String,
    /// Signing secret.
    #[arg(long)]
    secret: String,
    /// Body file for every delivery (default: a small JSON body with a unique id per delivery).
    #[arg(long)]
    body: Option<String>,
    /// Event type to send.
    #[arg(long, default_value = "ping")]
    event: String,
    /// Delivery id (every delivery then has this id: duplicates after the first).
    #[arg(long)]
    id: Option<String>,
    /// How many deliveries.
    #[arg(long, default_value_t = 1)]
    count: usize,
    /// Connections in parallel.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Fraction of deliveries that repeat the previous one (0.0–1.0), as a retrying sender would.
    #[arg(long, default_value_t = 0.0)]
    duplicates: f64,
    /// Retry 503 and 409 answers with exponential backoff (up to 6 attempts), like a real sender.
    #[arg(long)]
    retry: bool,
}

struct Target {
    host: String,
    port: u16,
    path: String,
}

fn parse_url(url: &str) -> anyhow::Result<Target> {
    let rest = url.strip_prefix("http://").ok_or_else(|| anyhow!("URL `{url}`: only http:// URLs are supported"))?;
    let (authority, path) = rest.split_once('/').map(|(a, p)| (a, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_owned(), p.parse().map_err(|_| anyhow!("URL `{url}`: bad port"))?),
        None => (authority.to_owned(), 80),
    };
    if host.is_empty() {
        bail!("URL `{url}`: no host");
    }
    Ok(Target { host, port, path })
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A body that carries the id and event type where every preset looks for them.
fn default_body(id: &str, event: &str) -> Vec<u8> {
    serde_json::json!({
        "id": id, "type": event, "event": event, "eventType": event, "eventId": id, "event_id": id,
        "timestamp": unix_now(),
        "data": { "eventId": id, "message_id": id, "note": "sent by hookgate send" }
    })
    .to_string()
    .into_bytes()
}

struct Plan {
    fixed_body: Option<Vec<u8>>,
    event: String,
    id: Option<String>,
    prefix: String,
    duplicates: f64,
}

impl Plan {
    /// The delivery sent as request `i`: (id, body). Evenly spread repeats of the previous one.
    fn delivery(&self, i: usize) -> (String, Vec<u8>) {
        let f = self.duplicates.clamp(0.0, 1.0);
        let repeat = i > 0 && ((i as f64 + 1.0) * f).floor() > (i as f64 * f).floor();
        let n = if repeat { i - 1 } else { i };
        let id = self.id.clone().unwrap_or_else(|| format!("{}-{n}", self.prefix));
        let body = self.fixed_body.clone().unwrap_or_else(|| default_body(&id, &self.event));
        (id, body)
    }
}

#[derive(Default)]
struct Stats {
    statuses: BTreeMap<String, usize>,
    latencies: Vec<Duration>,
    all_2xx: bool,
}

pub(crate) fn main(a: SendArgs) -> anyhow::Result<ExitCode> {
    let p = preset(&a.provider)?;
    let scheme = Arc::new(p.scheme());
    let secret = Arc::new(secret_for(&scheme, &a.secret)?);
    let target = Arc::new(parse_url(&a.url)?);
    if a.count == 0 || a.concurrency == 0 {
        bail!("--count and --concurrency must be at least 1");
    }
    if !(0.0..=1.0).contains(&a.duplicates) {
        bail!("--duplicates must be between 0.0 and 1.0");
    }
    let plan = Arc::new(Plan {
        fixed_body: a.body.as_deref().map(crate::read_body).transpose()?,
        event: a.event.clone(),
        id: a.id.clone(),
        prefix: format!("hg-{}-{}", std::process::id(), unix_now()),
        duplicates: a.duplicates,
    });
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (stats, elapsed) = rt.block_on(async move {
        let next = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let stats = Arc::new(Mutex::new(Stats { all_2xx: true, ..Default::default() }));
        let started = Instant::now();
        let progress = (a.count >= 1000 && std::io::stderr().is_terminal()).then(|| {
            let (done, count) = (Arc::clone(&done), a.count);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let d = done.load(Ordering::Relaxed);
                    let bar = "#".repeat(d * 30 / count);
                    eprint!("\r[{bar:<30}] {d}/{count}");
                }
            })
        });
        let mut workers = Vec::new();
        for _ in 0..a.concurrency.min(a.count) {
            let (next, done, stats) = (Arc::clone(&next), Arc::clone(&done), Arc::clone(&stats));
            let (scheme, secret, target, plan) =
                (Arc::clone(&scheme), Arc::clone(&secret), Arc::clone(&target), Arc::clone(&plan));
            let (count, retry) = (a.count, a.retry);
            workers.push(tokio::spawn(async move {
                let mut conn: Option<SendRequest<Full<Bytes>>> = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let (id, body) = plan.delivery(i);
                    let body = Bytes::from(body);
                    let mut attempt = 0u32;
                    let (status, latency) = loop {
                        let opts =
                            SignOptions { id: Some(&id), timestamp: Some(unix_now()), event_type: Some(&plan.event) };
                        let headers = scheme.sign(&secret, &body, &opts).expect("the secret can sign");
                        let t = Instant::now();
                        let status = post(&mut conn, &target, &headers, body.clone()).await;
                        let latency = t.elapsed();
                        let retryable = matches!(status.as_deref(), Ok("503") | Ok("409"));
                        if retry && retryable && attempt < 5 {
                            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                            attempt += 1;
                            continue;
                        }
                        break (status, latency);
                    };
                    let mut s = stats.lock().unwrap_or_else(|p| p.into_inner());
                    let key = status.unwrap_or_else(|e| format!("error: {e}"));
                    s.all_2xx &= key.starts_with('2');
                    *s.statuses.entry(key).or_default() += 1;
                    s.latencies.push(latency);
                    drop(s);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        for w in workers {
            let _ = w.await;
        }
        if let Some(p) = progress {
            p.abort();
            eprintln!();
        }
        let elapsed = started.elapsed();
        let stats =
            Arc::try_unwrap(stats).map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner())).unwrap_or_default();
        (stats, elapsed)
    });
    let mut lat = stats.latencies;
    lat.sort();
    let pct = |q: f64| {
        lat.get(((lat.len() as f64 * q).ceil() as usize).saturating_sub(1).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "sent {} deliveries to {} in {:.2} s ({:.0} req/s), concurrency {}",
        lat.len(),
        a.url,
        elapsed.as_secs_f64(),
        lat.len() as f64 / elapsed.as_secs_f64().max(1e-9),
        a.concurrency
    );
    println!("status  count");
    for (status, n) in &stats.statuses {
        println!("{status:<7} {n}");
    }
    println!("latency p50 {:.2} ms, p99 {:.2} ms", pct(0.50).as_secs_f64() * 1e3, pct(0.99).as_secs_f64() * 1e3);
    Ok(if stats.all_2xx { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

async fn connect(t: &Target) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect((t.host.as_str(), t.port))
        .await
        .with_context(|| format!("connecting to {}:{}", t.host, t.port))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// POSTs one delivery; the status as text, or why it could not be sent.
async fn post(
    conn: &mut Option<SendRequest<Full<Bytes>>>,
    t: &Target,
    headers: &[(String, String)],
    body: Bytes,
) -> anyhow::Result<String> {
    if conn.as_ref().is_none_or(|c| c.is_closed()) {
        *conn = Some(connect(t).await?);
    }
    let sender = conn.as_mut().expect("connected");
    sender.ready().await.context("connection")?;
    let mut req = Request::post(&t.path)
        .header("host", format!("{}:{}", t.host, t.port))
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let res = match sender.send_request(req.body(Full::new(body))?).await {
        Ok(r) => r,
        Err(e) => {
            *conn = None;
            return Err(anyhow!("{e}"));
        }
    };
    let status = res.status().as_u16().to_string();
    let _ = res.into_body().collect().await;
    Ok(status)
}
