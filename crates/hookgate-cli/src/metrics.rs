//! `GET /metrics` of `hookgate serve`, in Prometheus text format: requests by endpoint, provider
//! and outcome, request duration, and how long the sink took to take each event; and of
//! `hookgate forward --metrics-listen`: attempts by result, dead letters, backlog, in flight.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder as _, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The registry and the series `serve` records.
#[derive(Clone)]
pub(crate) struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    publish: HistogramVec,
    shadow: IntCounterVec,
}

impl Metrics {
    pub(crate) fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("hookgate_requests_total", "Webhook requests answered, by endpoint, provider and outcome."),
            &["endpoint", "provider", "outcome"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new("hookgate_request_duration_seconds", "Time from a webhook request to its answer.")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["endpoint", "provider"],
        )?;
        let publish = HistogramVec::new(
            HistogramOpts::new(
                "hookgate_sink_publish_duration_seconds",
                "Time the sink took to take an event (to acknowledge it, or to refuse it).",
            )
            .buckets(vec![0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0]),
            &["sink", "result"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        let shadow = IntCounterVec::new(
            Opts::new(
                "hookgate_shadow_verdicts_total",
                "Shadow-mode verdicts: what hookgate would have answered, by endpoint, provider and verdict.",
            ),
            &["endpoint", "provider", "verdict"],
        )?;
        registry.register(Box::new(publish.clone()))?;
        registry.register(Box::new(shadow.clone()))?;
        Ok(Self { registry, requests, duration, publish, shadow })
    }

    /// Counts a shadow-mode verdict (`verified`, or the status hookgate would have answered).
    pub(crate) fn shadow_verdict(&self, endpoint: &str, provider: &str, verdict: &str) {
        self.shadow.with_label_values(&[endpoint, provider, verdict]).inc();
    }

    /// `sink`, its hand-offs timed under the label `name`.
    pub(crate) fn timed<S>(&self, sink: S, name: &'static str) -> Timed<S> {
        Timed { sink, name, metrics: self.clone() }
    }

    /// The text exposition.
    pub(crate) fn render(&self) -> Response {
        render(&self.registry)
    }
}

/// The text exposition of `registry`.
fn render(registry: &Registry) -> Response {
    let mut out = Vec::new();
    match TextEncoder::new().encode(&registry.gather(), &mut out) {
        Ok(()) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The series `hookgate forward` records.
#[derive(Clone)]
pub(crate) struct ForwardMetrics {
    registry: Registry,
    /// POSTs to the app by result: `delivered`, `retryable` (5xx, 408, 429), `refused` (another
    /// 4xx or 3xx), `timeout`, `unreachable`.
    pub(crate) attempts: IntCounterVec,
    pub(crate) dead_letters: IntCounter,
    pub(crate) backlog: IntGauge,
    pub(crate) in_flight: IntGauge,
}

impl ForwardMetrics {
    pub(crate) fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let attempts = IntCounterVec::new(
            Opts::new("hookgate_forward_attempts_total", "POSTs of events to the app, by result."),
            &["result"],
        )?;
        let dead_letters = IntCounter::new(
            "hookgate_dead_letters_total",
            "Events moved to the dead-letter stream by this forwarder.",
        )?;
        let backlog = IntGauge::new(
            "hookgate_forward_backlog",
            "Events in the stream not yet read by the group (Redis: the group's lag; NATS: pending messages).",
        )?;
        let in_flight = IntGauge::new("hookgate_forward_in_flight", "Events being POSTed or waiting for a retry.")?;
        registry.register(Box::new(attempts.clone()))?;
        registry.register(Box::new(dead_letters.clone()))?;
        registry.register(Box::new(backlog.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        Ok(Self { registry, attempts, dead_letters, backlog, in_flight })
    }

    /// `GET /metrics` and `GET /healthz` on `listener`, until the process ends.
    pub(crate) fn serve(&self, listener: tokio::net::TcpListener) {
        let registry = self.registry.clone();
        let app = axum::Router::new()
            .route("/healthz", axum::routing::get(|| async { "ok" }))
            .route("/metrics", axum::routing::get(move || std::future::ready(render(&registry))));
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "the metrics listener stopped");
            }
        });
    }
}

/// One endpoint's labels, for the middleware around its route, with its duration histogram
/// resolved once (not looked up by label on every request).
#[derive(Clone)]
pub(crate) struct Route {
    metrics: Metrics,
    endpoint: Arc<str>,
    provider: Arc<str>,
    duration: prometheus::Histogram,
}

impl Route {
    pub(crate) fn new(metrics: &Metrics, endpoint: &str, provider: Arc<str>) -> Self {
        let duration = metrics.duration.with_label_values(&[endpoint, &provider]);
        Self { metrics: metrics.clone(), endpoint: endpoint.into(), provider, duration }
    }
}

/// The outcome label of an answer: what hookgate decided, or the app's status when it forwarded.
fn outcome(res: &Response) -> std::borrow::Cow<'static, str> {
    let duplicate = res.headers().contains_key("hookgate-duplicate");
    match res.status().as_u16() {
        202 => "accepted".into(),
        200 if duplicate => "duplicate".into(),
        200 if res.headers().contains_key("hookgate-handshake") => "handshake".into(),
        409 => "in_flight".into(),
        401 => "unauthorized".into(),
        400 => "bad_request".into(),
        413 => "too_large".into(),
        405 => "method_not_allowed".into(),
        503 => "unavailable".into(),
        502 => "app_unreachable".into(),
        504 => "app_timeout".into(),
        other => format!("app_{other}").into(),
    }
}

/// Records each request of a route: its outcome and its duration.
pub(crate) async fn record(State(route): State<Route>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let res = next.run(req).await;
    route.duration.observe(started.elapsed().as_secs_f64());
    route.metrics.requests.with_label_values(&[&*route.endpoint, &*route.provider, &outcome(&res)]).inc();
    res
}

/// A sink whose hand-offs are timed into `hookgate_sink_publish_duration_seconds{sink,result}`.
pub(crate) struct Timed<S> {
    sink: S,
    name: &'static str,
    metrics: Metrics,
}

impl<S> Timed<S> {
    fn observe<T, E>(&self, started: Instant, result: &Result<T, E>) {
        let label = if result.is_ok() { "ok" } else { "error" };
        self.metrics.publish.with_label_values(&[self.name, label]).observe(started.elapsed().as_secs_f64());
    }
}

impl<S: hookgate_core::Sink> hookgate_core::Sink for Timed<S> {
    async fn publish(&self, event: hookgate_core::Event) -> Result<(), hookgate_core::SinkError> {
        let started = Instant::now();
        let result = self.sink.publish(event).await;
        self.observe(started, &result);
        result
    }

    fn remembers_deliveries(&self) -> bool {
        self.sink.remembers_deliveries()
    }

    async fn publish_once(
        &self,
        key: &hookgate_core::IdempotencyKey,
        ttl: std::time::Duration,
        event: hookgate_core::Event,
    ) -> Result<hookgate_core::Claim, hookgate_core::SinkError> {
        let started = Instant::now();
        let result = self.sink.publish_once(key, ttl, event).await;
        self.observe(started, &result);
        result
    }
}
