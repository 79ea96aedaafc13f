//! `hookgate serve`: quick-ack endpoints on hookgate-tower; each verified delivery goes to the
//! sink: one JSON line on stdout, an entry in a Redis Stream, a NATS JetStream message, or a POST
//! to the app (whose answer is then the sender's).

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use axum::Router;
use base64::Engine as _;
use hookgate_core::{BoxedStore, Endpoint, Event, MemoryStore, ReplayWindow, Verifier};
use hookgate_tower::{QuickAck, WebhookLayer};

use crate::ServeArgs;
use crate::config::{self, ServeConfig, SinkSpec, StoreSpec};

pub(crate) fn main(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = match &a.config {
        // --listen, when given, overrides the file's.
        Some(file) => config::from_file(file, a.listen.as_deref())?,
        None => config::from_flags(config::Flags {
            provider: a.provider.as_deref().unwrap_or_default(),
            secrets: &a.secrets,
            listen: a.listen.as_deref().unwrap_or(config::DEFAULT_LISTEN),
            path: &a.path,
            tolerance_secs: a.tolerance_secs,
            max_body_bytes: a.max_body_bytes,
            sink: config::sink_from_flag(&a.sink, a.stream.as_deref(), a.subject.as_deref()).context("--sink")?,
            public_url: a.public_url.as_deref(),
            trust_forwarded: a.trust_forwarded,
            verify_token: a.verify_token.as_deref(),
        })?,
    };
    config::admin_listen(&mut cfg, a.admin_listen.as_deref())?;
    let _log = crate::logging();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    rt.block_on(run(cfg, a.wait_for_sink))?;
    Ok(ExitCode::SUCCESS)
}

/// One delivery as a JSON line (the format in `docs/behaviour.md`).
pub(crate) fn json_line(ev: &Event) -> String {
    let m = ev.metadata();
    let payload = serde_json::from_slice::<serde_json::Value>(ev.body()).unwrap_or_else(
        |_| serde_json::json!({ "base64": base64::engine::general_purpose::STANDARD.encode(ev.body()) }),
    );
    let ts = m
        .timestamp()
        .filter(|t| *t >= 0)
        .map(|t| humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(t as u64)).to_string());
    #[derive(serde::Serialize)]
    struct Line<'a> {
        endpoint: &'a str,
        provider: &'a str,
        delivery_id: &'a str,
        event_type: Option<&'a str>,
        timestamp: Option<String>,
        received_at: String,
        payload: serde_json::Value,
    }
    let line = Line {
        endpoint: m.endpoint(),
        provider: m.provider(),
        delivery_id: m.delivery_id(),
        event_type: m.event_type(),
        timestamp: ts,
        received_at: humantime::format_rfc3339_millis(m.received_at()).to_string(),
        payload,
    };
    serde_json::to_string(&line).expect("serialisable")
}

async fn run(cfg: ServeConfig, wait_for_sink: bool) -> anyhow::Result<()> {
    let mut redis_store = None;
    let store = match &cfg.store {
        StoreSpec::Memory { capacity } => {
            BoxedStore::new(MemoryStore::builder().capacity(*capacity).build().context("store")?)
        }
        StoreSpec::Redis { url } => {
            let redis =
                reach("the Redis store", url, wait_for_sink, || hookgate_redis::RedisStore::builder(url).build())
                    .await
                    .context("store")?;
            tracing::info!(%url, "idempotency store: Redis");
            redis_store = Some(redis.clone());
            BoxedStore::new(redis)
        }
    };
    // One sink per distinct sink table: endpoints naming the same one share its connection.
    let mut sinks: Vec<(SinkSpec, Option<Durable>)> = Vec::new();
    for e in &cfg.endpoints {
        if !sinks.iter().any(|(spec, _)| *spec == e.sink) {
            sinks.push((e.sink.clone(), connect(&e.sink, wait_for_sink).await?));
        }
    }
    // Bound first: a port in use is reported before any endpoint is said to be ready.
    let listener = tokio::net::TcpListener::bind(cfg.listen).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            anyhow::anyhow!("cannot listen on {}: the address is already in use", cfg.listen)
        }
        _ => anyhow::anyhow!("cannot listen on {}: {e}", cfg.listen),
    })?;
    let (tx, mut rx) = hookgate_core::channel(4096);
    let metrics = crate::metrics::Metrics::new().context("metrics")?;
    let mut app = Router::new();
    for e in cfg.endpoints {
        let provider: Arc<str> = e.scheme.name().into();
        let verifier = Verifier::new(e.scheme, e.secrets).with_window(ReplayWindow::symmetric(e.tolerance));
        let mut builder = Endpoint::builder(e.path.clone(), verifier)
            .store(store.clone())
            .ttl(cfg.ttl)
            .max_body_bytes(e.max_body_bytes)
            .trust_forwarded(e.trust_forwarded);
        if let Some(url) = &e.public_url {
            builder = builder.public_url(url.clone());
        }
        if let Some(token) = &e.verify_token {
            builder = builder.verify_token(token);
        }
        let endpoint = builder.build().with_context(|| format!("endpoint {}", e.path))?;
        tracing::info!(path = %e.path, provider = %provider, "endpoint ready");
        let route = Router::new();
        let sink = sinks.iter().find(|(spec, _)| *spec == e.sink).and_then(|(_, sink)| sink.as_ref());
        let route = match sink {
            None => route.route_service(&e.path, QuickAck::new(endpoint, metrics.timed(tx.clone(), "stdout"))),
            Some(Durable::Redis(sink)) => {
                route.route_service(&e.path, QuickAck::new(endpoint, metrics.timed(sink.clone(), "redis-stream")))
            }
            Some(Durable::Nats(sink)) => {
                route.route_service(&e.path, QuickAck::new(endpoint, metrics.timed(sink.clone(), "nats")))
            }
            // The app's answer is the sender's: handler mode, the app as the handler.
            Some(Durable::Http(forward)) if e.shadow => {
                tracing::info!(path = %e.path, "shadow mode: every request is forwarded, verdicts are only recorded");
                route.route(
                    &e.path,
                    axum::routing::any(shadow).with_state(Shadow {
                        endpoint,
                        forward: forward.clone(),
                        metrics: metrics.clone(),
                    }),
                )
            }
            Some(Durable::Http(forward)) => {
                route.route_service(&e.path, tower::Layer::layer(&WebhookLayer::new(endpoint), forward.clone()))
            }
        };
        let labels = crate::metrics::Route::new(&metrics, &e.path, provider);
        app = app.merge(route.layer(axum::middleware::from_fn_with_state(labels, crate::metrics::record)));
    }
    drop(tx);
    let readiness =
        Arc::new(Readiness { store: redis_store, sinks: sinks.into_iter().filter_map(|(_, s)| s).collect() });
    let ops = Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route("/readyz", axum::routing::get(move || ready(Arc::clone(&readiness))))
        .route("/metrics", axum::routing::get(move || std::future::ready(metrics.render())));
    match cfg.admin_listen {
        None => app = app.merge(ops),
        Some(addr) => {
            let admin = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (admin_listen): {e}"))?;
            tracing::info!("health, readiness and metrics on http://{addr}");
            tokio::spawn(async move {
                if let Err(e) = axum::serve(admin, ops).with_graceful_shutdown(shutdown_signal()).await {
                    tracing::warn!(error = %e, "the admin listener stopped");
                }
            });
        }
    }

    // The stdout sink's consumer: prints each delivery, in order, as soon as it is handed off.
    let printer = tokio::spawn(async move {
        let mut n = 0u64;
        while let Some(ev) = rx.recv().await {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", json_line(&ev));
            let _ = out.flush();
            n += 1;
        }
        n
    });

    tracing::info!("listening on http://{}", listener.local_addr()?);
    let started = SystemTime::now();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("server")?;
    tracing::info!("stopped accepting; draining acknowledged deliveries");
    let printed = tokio::time::timeout(Duration::from_secs(30), printer)
        .await
        .context("draining timed out")?
        .context("printer")?;
    tracing::info!(printed, uptime_secs = started.elapsed().unwrap_or_default().as_secs(), "bye");
    Ok(())
}

/// A shadow-mode endpoint: its verifier, the app, the metrics.
#[derive(Clone)]
struct Shadow {
    endpoint: Endpoint<BoxedStore>,
    forward: crate::forward::Forward,
    metrics: crate::metrics::Metrics,
}

/// Shadow mode: verifies the request and records the verdict (a log line and
/// `hookgate_shadow_verdicts_total`), then forwards it to the app as it came, whatever the
/// verdict, and answers with the app's answer. No dedupe: the app sees every request.
async fn shadow(
    axum::extract::State(s): axum::extract::State<Shadow>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let (name, provider) = (s.endpoint.name(), s.endpoint.verifier().scheme().name().to_owned());
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let head =
        hookgate_core::Head { method: method.as_str(), uri: target, headers: &hookgate_tower::HttpHeaders(&headers) };
    let verdict = s.endpoint.verify_request(&head, &body);
    match &verdict {
        Ok(v) => {
            tracing::info!(endpoint = name, delivery_id = v.delivery_id(), "shadow verdict: verified");
            s.metrics.shadow_verdict(name, &provider, "verified");
        }
        Err(e) => {
            tracing::warn!(endpoint = name, status = e.status(), reason = %e, "shadow verdict: would refuse");
            s.metrics.shadow_verdict(name, &provider, &format!("refused_{}", e.status()));
        }
    }
    axum::response::IntoResponse::into_response(s.forward.pass_through(&headers, body).await)
}

/// What `/readyz` checks: the Redis store and the sink's broker or app, when there are.
struct Readiness {
    store: Option<hookgate_redis::RedisStore>,
    sinks: Vec<Durable>,
}

/// `GET /readyz`: 200 when the store and the sink answer, else 503 naming which does not.
async fn ready(r: Arc<Readiness>) -> (axum::http::StatusCode, String) {
    let mut down = Vec::new();
    if let Some(store) = &r.store {
        if let Err(e) = store.ping().await {
            down.push(format!("store: {e}"));
        }
    }
    for sink in &r.sinks {
        let answer = match sink {
            Durable::Redis(s) => s.ping().await.map_err(|e| format!("Redis stream {}: {e}", s.stream())),
            Durable::Nats(s) => s.ping().await.map_err(|e| format!("NATS stream {}: {e}", s.stream())),
            Durable::Http(f) => f.reachable().await,
        };
        if let Err(e) = answer {
            down.push(format!("sink: {e}"));
        }
    }
    match down.is_empty() {
        true => (axum::http::StatusCode::OK, "ready\n".into()),
        false => (axum::http::StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {}\n", down.join("; "))),
    }
}

/// Where `serve` hands deliveries, besides stdout.
enum Durable {
    Redis(hookgate_redis::RedisStreamSink),
    Nats(hookgate_nats::NatsSink),
    Http(crate::forward::Forward),
}

/// Connects to the broker or checks the app's URL `spec` names; `None` for stdout.
async fn connect(spec: &SinkSpec, wait_for_sink: bool) -> anyhow::Result<Option<Durable>> {
    let sink = match spec {
        SinkSpec::Stdout => return Ok(None),
        SinkSpec::Http { url, timeout, forward_headers } => {
            tracing::info!(%url, timeout_secs = timeout.as_secs(), "sink: HTTP forward to the app");
            Durable::Http(crate::forward::Forward::new(url, *timeout, forward_headers).context("sink")?)
        }
        SinkSpec::Nats { url, stream, subject } => {
            let sink = reach("NATS JetStream", url, wait_for_sink, || {
                hookgate_nats::NatsSink::builder(url).stream(stream).subject(subject).build()
            })
            .await
            .context("sink")?;
            tracing::info!(%url, %stream, %subject, "sink: NATS JetStream");
            Durable::Nats(sink)
        }
        SinkSpec::RedisStream { url, stream, max_len } => {
            let sink = reach("the Redis stream", url, wait_for_sink, || {
                let builder = hookgate_redis::RedisStreamSink::builder(url).stream(stream);
                match max_len {
                    Some(n) => builder.max_len(*n).build(),
                    None => builder.build(),
                }
            })
            .await
            .context("sink")?;
            tracing::info!(%url, %stream, "sink: Redis stream");
            Durable::Redis(sink)
        }
    };
    Ok(Some(sink))
}

/// Connects with `connect`; when that fails and `wait` is set, tries again every second
/// (logging every ten tries) until it succeeds.
async fn reach<T, E, Fut>(what: &str, url: &str, wait: bool, connect: impl Fn() -> Fut) -> anyhow::Result<T>
where
    Fut: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let mut tries = 0u32;
    loop {
        match connect().await {
            Ok(t) => return Ok(t),
            Err(e) if !wait => {
                return Err(anyhow::anyhow!("{e} (start with --wait-for-sink to wait for it)"));
            }
            Err(e) => {
                if tries % 10 == 0 {
                    tracing::warn!(%url, error = %e, "waiting for {what} to answer");
                }
                tries += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

pub(crate) async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
