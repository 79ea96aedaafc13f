//! `hookgate sign` and `hookgate send`.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail};
use bytes::Bytes;
use clap::Args;
use hookgate_core::{Preset, Scheme, Secret, SignOptions};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use crate::SignArgs;
use crate::providers::header_case;

fn secret_for(scheme: &Scheme, text: &str) -> anyhow::Result<Secret> {
    Secret::for_scheme(scheme, text).map_err(|e| anyhow!("--secret: {e}"))
}

fn preset(name: &str) -> anyhow::Result<Preset> {
    Preset::from_name(name).map_err(|e| anyhow!("--provider: {e}"))
}

pub(crate) fn sign_main(a: SignArgs) -> anyhow::Result<ExitCode> {
    let scheme = preset(&a.provider)?.scheme();
    let secret = secret_for(&scheme, &a.secret)?;
    let body = crate::read_body(&a.body)?;
    if scheme.signs_url() && a.url.is_none() {
        bail!("--url: {} signs the request URL: give the URL the request goes to", scheme.name());
    }
    let opts = SignOptions {
        id: a.id.as_deref(),
        timestamp: a.timestamp,
        event_type: a.event.as_deref(),
        url: a.url.as_deref(),
        method: None,
    };
    let (signed_body, headers) = scheme.sign_body(&secret, &body, &opts).map_err(|e| anyhow!("{e}"))?;
    for (k, v) in headers {
        println!("{}: {v}", header_case(&k));
    }
    if signed_body[..] != body[..] {
        // The signature or the timestamp goes inside the body (Mailgun, Linear): print the body
        // to send, after the headers.
        eprintln!(
            "hookgate: {} carries its signature or timestamp in the body; the body to send follows",
            scheme.name()
        );
        println!("\n{}", String::from_utf8_lossy(&signed_body));
    }
    Ok(ExitCode::SUCCESS)
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
    /// The URL to sign, for presets that sign it, when it differs from where the request goes
    /// (the public URL of a receiver behind a proxy). Default: the URL posted to.
    #[arg(long = "url", value_name = "URL")]
    signed_url: Option<String>,
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
        "data": { "eventId": id, "message_id": id, "note": "sent by hookgate send" },
        "event-data": { "id": id, "event": event },
        "signature": { "timestamp": unix_now().to_string(), "token": id }
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
    /// Deliveries per HTTP status.
    statuses: BTreeMap<String, usize>,
    /// Deliveries per reason they got no answer.
    errors: BTreeMap<String, usize>,
    latencies: Vec<Duration>,
    all_2xx: bool,
}

pub(crate) fn main(a: SendArgs) -> anyhow::Result<ExitCode> {
    let p = preset(&a.provider)?;
    let scheme = p.scheme();
    let secret = secret_for(&scheme, &a.secret)?;
    let target = parse_url(&a.url)?;
    if a.count == 0 || a.concurrency == 0 {
        bail!("--count and --concurrency must be at least 1");
    }
    if !(0.0..=1.0).contains(&a.duplicates) {
        bail!("--duplicates must be between 0.0 and 1.0");
    }
    let plan = Plan {
        fixed_body: a.body.as_deref().map(crate::read_body).transpose()?,
        event: a.event.clone(),
        id: a.id.clone(),
        prefix: format!("hg-{}-{}", std::process::id(), unix_now()),
        duplicates: a.duplicates,
    };
    let signed_url = a.signed_url.clone().unwrap_or_else(|| a.url.clone());
    let job = Arc::new(Job { scheme, secret, target, plan, count: a.count, retry: a.retry, signed_url });
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (stats, elapsed) = rt.block_on(run(job, a.concurrency));
    report(&stats, elapsed, &a.url, a.concurrency);
    Ok(if stats.all_2xx { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// What every worker of one `send` shares.
struct Job {
    scheme: Scheme,
    secret: Secret,
    target: Target,
    plan: Plan,
    count: usize,
    retry: bool,
    /// The URL signed by presets that sign it.
    signed_url: String,
}

/// Sends every delivery of `job` over `concurrency` connections, with a progress bar on a
/// terminal for long runs.
async fn run(job: Arc<Job>, concurrency: usize) -> (Stats, Duration) {
    let next = Arc::new(AtomicUsize::new(0));
    let stats = Arc::new(Mutex::new(Stats { all_2xx: true, ..Default::default() }));
    let started = Instant::now();
    let progress = (job.count >= 1000 && std::io::stderr().is_terminal()).then(|| {
        let (next, count) = (Arc::clone(&next), job.count);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let d = next.load(Ordering::Relaxed).min(count);
                eprint!("\r[{:<30}] {d}/{count}", "#".repeat(d * 30 / count));
            }
        })
    });
    let workers: Vec<_> = (0..concurrency.min(job.count))
        .map(|_| tokio::spawn(worker(Arc::clone(&job), Arc::clone(&next), Arc::clone(&stats))))
        .collect();
    for w in workers {
        let _ = w.await;
    }
    if let Some(p) = progress {
        p.abort();
        eprintln!();
    }
    let elapsed = started.elapsed();
    let stats = Arc::try_unwrap(stats).map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner())).unwrap_or_default();
    (stats, elapsed)
}

/// One connection: takes the next delivery until there are none left.
async fn worker(job: Arc<Job>, next: Arc<AtomicUsize>, stats: Arc<Mutex<Stats>>) {
    let mut conn: Option<SendRequest<Full<Bytes>>> = None;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= job.count {
            break;
        }
        let (id, body) = job.plan.delivery(i);
        let body = Bytes::from(body);
        let mut attempt = 0u32;
        let (status, latency) = loop {
            let opts = SignOptions {
                id: Some(&id),
                timestamp: Some(unix_now()),
                event_type: Some(&job.plan.event),
                url: Some(&job.signed_url),
                method: None,
            };
            let (body, headers) = match job.scheme.sign_body(&job.secret, &body, &opts) {
                Ok(signed) => signed,
                Err(e) => break (Err(e.to_string()), Duration::ZERO),
            };
            let t = Instant::now();
            let status = post(&mut conn, &job.target, &headers, body).await;
            let latency = t.elapsed();
            let retryable = matches!(status.as_deref(), Ok("503") | Ok("409"));
            if job.retry && retryable && attempt < 5 {
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                attempt += 1;
                continue;
            }
            break (status, latency);
        };
        let mut s = stats.lock().unwrap_or_else(|p| p.into_inner());
        match status {
            Ok(status) => {
                s.all_2xx &= status.starts_with('2');
                *s.statuses.entry(status).or_default() += 1;
                s.latencies.push(latency);
            }
            Err(e) => {
                s.all_2xx = false;
                *s.errors.entry(e).or_default() += 1;
            }
        }
    }
}

/// `1 delivery`, `2 deliveries`.
fn deliveries(n: usize) -> String {
    if n == 1 { "1 delivery".into() } else { format!("{n} deliveries") }
}

/// The summary: a headline that says how many were delivered (answered 2xx) and, when none
/// were, why; then the statuses and the latency.
fn report(stats: &Stats, elapsed: Duration, url: &str, concurrency: usize) {
    let answered: usize = stats.statuses.values().sum();
    let failed: usize = stats.errors.values().sum();
    let delivered: usize = stats.statuses.iter().filter(|(s, _)| s.starts_with('2')).map(|(_, n)| n).sum();
    let total = answered + failed;
    if answered == 0 {
        let why = stats.errors.keys().next().map(String::as_str).unwrap_or("nothing sent");
        println!("0 of {total} delivered: {why}");
    } else {
        println!(
            "delivered {delivered} of {} to {url} in {:.2} s ({:.0} req/s), concurrency {concurrency}",
            deliveries(total),
            elapsed.as_secs_f64(),
            answered as f64 / elapsed.as_secs_f64().max(1e-9),
        );
    }
    println!("status  count");
    for (status, n) in &stats.statuses {
        println!("{status:<7} {n}");
    }
    for (error, n) in &stats.errors {
        println!("error   {n} ({error})");
    }
    let mut lat = stats.latencies.clone();
    lat.sort();
    if !lat.is_empty() {
        let pct = |q: f64| lat[((lat.len() as f64 * q).ceil() as usize).clamp(1, lat.len()) - 1];
        println!("latency p50 {:.2} ms, p99 {:.2} ms", pct(0.50).as_secs_f64() * 1e3, pct(0.99).as_secs_f64() * 1e3);
    }
}

async fn connect(t: &Target) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = tokio::net::TcpStream::connect((t.host.as_str(), t.port)).await.map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
            _ => format!("cannot connect: {e}"),
        };
        format!("{why} ({}:{})", t.host, t.port)
    })?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
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
) -> Result<String, String> {
    if conn.as_ref().is_none_or(|c| c.is_closed()) {
        *conn = Some(connect(t).await?);
    }
    let sender = conn.as_mut().expect("connected");
    sender.ready().await.map_err(|e| format!("connection closed: {e}"))?;
    let mut req = Request::post(&t.path)
        .header("host", format!("{}:{}", t.host, t.port))
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
    let res = match sender.send_request(req).await {
        Ok(r) => r,
        Err(e) => {
            *conn = None;
            return Err(e.to_string());
        }
    };
    let status = res.status().as_u16().to_string();
    let _ = res.into_body().collect().await;
    Ok(status)
}
