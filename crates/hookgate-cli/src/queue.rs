//! `hookgate forward` and `hookgate redrive`: the queued forwarder. It reads a durable stream in a
//! consumer group and POSTs each event to the app; a 2xx acknowledges it, a retryable failure
//! (5xx, 408, 429, a timeout, no connection) is retried with capped exponential backoff and
//! jitter, honouring `Retry-After`, and anything else, or too many attempts, moves the event to
//! the dead-letter stream `<stream>:dead`.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Args;
use hookgate_redis::{Acker, Delivery, RedisStreamConsumer};
use hyper::StatusCode;
use tokio::task::JoinSet;

use crate::forward::{Forward, Posted};
use crate::metrics::ForwardMetrics;

/// Arguments of `hookgate forward`.
#[derive(Args)]
pub(crate) struct ForwardArgs {
    /// The stream to read: `redis://host:port[/db]` or `nats://host:port`.
    #[arg(long)]
    from: String,
    /// The stream: the Redis key (default hookgate:events) or the JetStream stream (default HOOKGATE).
    #[arg(long)]
    stream: Option<String>,
    /// The consumer group: forwarders of one group share the work.
    #[arg(long, default_value = "hookgate-forward")]
    group: String,
    /// This forwarder's name in the group (restarted under the same name, it resumes its own
    /// pending events first). Default: `forward-<pid>`.
    #[arg(long)]
    consumer: Option<String>,
    /// Where to POST each event (http:// only).
    #[arg(long)]
    to: String,
    /// Events in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Attempts per event before it is dead-lettered.
    #[arg(long, default_value_t = 8)]
    max_attempts: u32,
    /// How long the app may take to answer, in seconds.
    #[arg(long, default_value_t = 10)]
    timeout_secs: u64,
    /// The first retry's wait, in milliseconds; it doubles each time, up to --max-backoff-secs.
    #[arg(long, default_value_t = 500)]
    backoff_ms: u64,
    /// The longest wait between two attempts (a `Retry-After` is capped by it too).
    #[arg(long, default_value_t = 60)]
    max_backoff_secs: u64,
    /// How long an event may stay unacknowledged with a forwarder that died before another takes
    /// it. A live forwarder renews its claim before each retry wait, so this must only be longer
    /// than --max-backoff-secs + --timeout-secs.
    #[arg(long, default_value_t = 300)]
    claim_idle_secs: u64,
    /// Serve `GET /metrics` (Prometheus) and `GET /healthz` on this address, host:port.
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<String>,
}

/// Arguments of `hookgate redrive`.
#[derive(Args)]
pub(crate) struct RedriveArgs {
    /// The stream whose dead letters to move back: `redis://host:port[/db]` or `nats://host:port`.
    #[arg(long)]
    from: String,
    /// The stream (its dead letters: `<stream>:dead` on Redis, `<STREAM>_DEAD` on NATS).
    #[arg(long)]
    stream: Option<String>,
}

/// What happened to one event.
enum Fate {
    Delivered,
    Dead { status: Option<u16>, error: String, attempts: u32 },
}

/// Counts for the progress lines, the summary and the metrics.
struct Counts {
    delivered: AtomicU64,
    retries: AtomicU64,
    dead: AtomicU64,
    metrics: ForwardMetrics,
}

pub(crate) fn forward_main(a: ForwardArgs) -> anyhow::Result<ExitCode> {
    if broker(&a.from).is_none() {
        bail!("--from `{}`: a redis:// or nats:// URL", a.from);
    }
    if !a.to.starts_with("http://") {
        bail!("--to `{}`: only http:// URLs", a.to);
    }
    if a.concurrency == 0 || a.max_attempts == 0 {
        bail!("--concurrency and --max-attempts must be at least 1");
    }
    // The claim is renewed before each wait; one wait and one attempt must fit in it, or the event
    // is taken over (by this forwarder too) and posted twice.
    let longest = a.max_backoff_secs.saturating_add(a.timeout_secs);
    if longest >= a.claim_idle_secs {
        bail!(
            "--claim-idle-secs {} must be longer than --max-backoff-secs + --timeout-secs ({longest} s): an event \
             waiting to retry would be taken over and posted twice",
            a.claim_idle_secs
        );
    }
    let _log = crate::logging();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    rt.block_on(run(a))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn redrive_main(a: RedriveArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    let (moved, dead, stream) = match broker(&a.from) {
        Some(Broker::Redis) => {
            let stream = a.stream.unwrap_or_else(|| "hookgate:events".into());
            let moved = rt.block_on(hookgate_redis::redrive(&a.from, &stream)).context("redrive")?;
            (moved, hookgate_redis::dead_letters(&stream), stream)
        }
        Some(Broker::Nats) => {
            let stream = a.stream.unwrap_or_else(|| "HOOKGATE".into());
            let moved = rt.block_on(hookgate_nats::redrive(&a.from, &stream)).context("redrive")?;
            (moved, hookgate_nats::dead_letters(&stream), stream)
        }
        None => bail!("--from `{}`: a redis:// or nats:// URL", a.from),
    };
    eprintln!("moved {moved} dead letter(s) from {dead} back to {stream}");
    Ok(ExitCode::SUCCESS)
}

enum Broker {
    Redis,
    Nats,
}

fn broker(url: &str) -> Option<Broker> {
    if url.starts_with("redis://") || url.starts_with("rediss://") {
        Some(Broker::Redis)
    } else if url.starts_with("nats://") {
        Some(Broker::Nats)
    } else {
        None
    }
}

/// Where the forwarder reads from.
// One per process: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum Source {
    Redis(RedisStreamConsumer, Acker),
    /// The reader, a JetStream context for dead letters, the stream and the durable consumer.
    Nats(Box<(hookgate_nats::NatsConsumer, async_nats::jetstream::Context, String, String)>),
}

/// One event read, with what settles it.
// One per event in flight (a few): the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum Item {
    Redis(Delivery, Acker),
    Nats(Box<(hookgate_nats::Delivery, async_nats::jetstream::Context, String)>),
}

impl Source {
    async fn open(a: &ForwardArgs, consumer: &str) -> anyhow::Result<Self> {
        let idle = Duration::from_secs(a.claim_idle_secs);
        Ok(match broker(&a.from) {
            Some(Broker::Nats) => {
                let stream = a.stream.clone().unwrap_or_else(|| "HOOKGATE".into());
                let reader = hookgate_nats::NatsConsumer::builder(&a.from)
                    .stream(&stream)
                    .durable(&a.group)
                    .ack_wait(idle)
                    .build()
                    .await?;
                let js = async_nats::jetstream::new(async_nats::connect(&a.from).await?);
                Source::Nats(Box::new((reader, js, stream, a.group.clone())))
            }
            _ => {
                let stream = a.stream.clone().unwrap_or_else(|| "hookgate:events".into());
                let reader = RedisStreamConsumer::builder(&a.from)
                    .stream(&stream)
                    .group(&a.group)
                    .consumer(consumer)
                    .min_idle(idle)
                    .block(Duration::from_millis(500))
                    .build()
                    .await?;
                let acker = reader.acker();
                Source::Redis(reader, acker)
            }
        })
    }

    /// The next event, or `None` after half a second without one.
    async fn next(&mut self) -> Result<Option<Item>, String> {
        match self {
            Source::Redis(reader, acker) => {
                reader.next().await.map(|d| d.map(|d| Item::Redis(d, acker.clone()))).map_err(|e| e.to_string())
            }
            Source::Nats(nats) => {
                let (reader, js, stream, _) = &mut **nats;
                match tokio::time::timeout(Duration::from_millis(500), reader.next()).await {
                    Err(_) => Ok(None),
                    Ok(Ok(d)) => Ok(Some(Item::Nats(Box::new((d, js.clone(), stream.clone()))))),
                    Ok(Err(e)) => Err(e.to_string()),
                }
            }
        }
    }

    /// Events read but not yet acknowledged, and added but not yet read, when the broker says.
    async fn backlog(&self) -> Option<u64> {
        match self {
            Source::Redis(_, acker) => acker.backlog().await.ok().and_then(|b| b.1),
            Source::Nats(nats) => {
                let (_, js, stream, group) = &**nats;
                let stream = js.get_stream(stream).await.ok()?;
                let mut consumer: async_nats::jetstream::consumer::PullConsumer =
                    stream.get_consumer(group).await.ok()?;
                consumer.info().await.ok().map(|info| info.num_pending)
            }
        }
    }
}

impl Item {
    fn event(&self) -> &hookgate_core::Event {
        match self {
            Item::Redis(d, _) => &d.event,
            Item::Nats(nats) => &nats.0.event,
        }
    }

    /// Keeps the event claimed by this forwarder while it waits to retry.
    async fn in_progress(&self) -> Result<(), String> {
        match self {
            Item::Redis(d, acker) => acker.in_progress(d).await.map_err(|e| e.to_string()),
            Item::Nats(nats) => nats.0.in_progress().await.map_err(|e| e.to_string()),
        }
    }

    async fn ack(&self) -> Result<(), String> {
        match self {
            Item::Redis(d, acker) => acker.ack(d).await.map_err(|e| e.to_string()),
            Item::Nats(nats) => nats.0.ack().await.map_err(|e| e.to_string()),
        }
    }

    async fn dead_letter(&self, status: Option<u16>, error: &str, attempts: u32) -> Result<(), String> {
        match self {
            Item::Redis(d, acker) => acker.dead_letter(d, status, error, attempts).await.map_err(|e| e.to_string()),
            Item::Nats(nats) => {
                let (d, js, stream) = &**nats;
                d.dead_letter(js, stream, status, error, attempts).await.map_err(|e| e.to_string())
            }
        }
    }
}

async fn run(a: ForwardArgs) -> anyhow::Result<()> {
    let consumer_name = a.consumer.clone().unwrap_or_else(|| format!("forward-{}", std::process::id()));
    let mut source = Source::open(&a, &consumer_name).await.with_context(|| format!("reading {}", a.from))?;
    let post = Arc::new(Forward::new(&a.to, Duration::from_secs(a.timeout_secs), &[])?);
    let policy = Arc::new(Policy {
        max_attempts: a.max_attempts,
        base: Duration::from_millis(a.backoff_ms),
        cap: Duration::from_secs(a.max_backoff_secs),
    });
    let metrics = ForwardMetrics::new().context("metrics")?;
    if let Some(addr) = &a.metrics_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("--metrics-listen {addr}: cannot listen"))?;
        tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
        metrics.serve(listener);
    }
    let counts =
        Arc::new(Counts { delivered: AtomicU64::new(0), retries: AtomicU64::new(0), dead: AtomicU64::new(0), metrics });
    tracing::info!(from = %a.from, group = %a.group, consumer = %consumer_name, to = %a.to, "forwarding");

    let mut in_flight: JoinSet<()> = JoinSet::new();
    let mut stop = std::pin::pin!(crate::serve::shutdown_signal());
    let (mut last_progress, mut last_backlog) = (Instant::now(), None::<Instant>);
    loop {
        // Reap the finished tasks, so `len` counts the events still in flight.
        while in_flight.try_join_next().is_some() {}
        counts.metrics.in_flight.set(in_flight.len() as i64);
        if last_backlog.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
            if let Some(n) = source.backlog().await {
                counts.metrics.backlog.set(i64::try_from(n).unwrap_or(i64::MAX));
            }
            last_backlog = Some(Instant::now());
        }
        if in_flight.len() >= a.concurrency {
            in_flight.join_next().await;
            continue;
        }
        let next = tokio::select! {
            _ = &mut stop => break,
            next = source.next() => next,
        };
        match next {
            Ok(Some(item)) => {
                let (post, policy, counts) = (Arc::clone(&post), Arc::clone(&policy), Arc::clone(&counts));
                in_flight.spawn(async move { handle(item, &post, &policy, &counts).await });
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "reading the stream failed; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        if last_progress.elapsed() >= Duration::from_secs(5) {
            progress(&counts, source.backlog().await, in_flight.len());
            last_progress = Instant::now();
        }
    }
    eprintln!("stopping: finishing {} event(s) in flight", in_flight.len());
    while in_flight.join_next().await.is_some() {}
    let c = &counts;
    eprintln!(
        "forwarded {} event(s), {} retried attempt(s), {} dead-lettered",
        c.delivered.load(Ordering::Relaxed),
        c.retries.load(Ordering::Relaxed),
        c.dead.load(Ordering::Relaxed)
    );
    Ok(())
}

fn progress(counts: &Counts, unread: Option<u64>, in_flight: usize) {
    eprintln!(
        "forwarded {}, retries {}, dead {}, in flight {in_flight}, unread {}",
        counts.delivered.load(Ordering::Relaxed),
        counts.retries.load(Ordering::Relaxed),
        counts.dead.load(Ordering::Relaxed),
        unread.map_or("?".to_owned(), |n| n.to_string())
    );
}

/// One event, to its end: POSTed until delivered or dead, then acknowledged or dead-lettered.
async fn handle(item: Item, post: &Forward, policy: &Policy, counts: &Counts) {
    let fate = deliver(&item, post, policy, counts).await;
    let id = item.event().metadata().delivery_id().to_owned();
    let settled = match &fate {
        Fate::Delivered => item.ack().await,
        Fate::Dead { status, error, attempts } => item.dead_letter(*status, error, *attempts).await,
    };
    match (fate, settled) {
        (_, Err(e)) => {
            tracing::warn!(delivery_id = %id, error = %e, "could not settle: the event stays pending and comes back")
        }
        (Fate::Delivered, Ok(())) => {
            counts.delivered.fetch_add(1, Ordering::Relaxed);
        }
        (Fate::Dead { status, error, attempts }, Ok(())) => {
            counts.dead.fetch_add(1, Ordering::Relaxed);
            counts.metrics.dead_letters.inc();
            tracing::warn!(delivery_id = %id, ?status, %error, attempts, "dead-lettered");
        }
    }
}

/// Retries: how many attempts, and the waits between them.
struct Policy {
    max_attempts: u32,
    base: Duration,
    cap: Duration,
}

impl Policy {
    /// The wait before attempt `attempt + 1`: `base · 2^(attempt-1)`, capped, plus up to half of
    /// it at random (jitter); a `Retry-After` replaces it (capped too).
    fn wait(&self, attempt: u32, retry_after: Option<Duration>, id: &str) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.cap);
        }
        let exp = self.base.saturating_mul(1 << (attempt - 1).min(20)).min(self.cap);
        let jitter = RandomState::new().hash_one((id, attempt)) % 1000;
        exp + exp.mul_f64(jitter as f64 / 2000.0)
    }
}

/// Whether a failed attempt is worth another.
fn retryable(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS
}

async fn deliver(item: &Item, post: &Forward, policy: &Policy, counts: &Counts) -> Fate {
    let event = item.event();
    let id = event.metadata().delivery_id();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let posted = post.post_event(event).await;
        let result = match &posted {
            Posted::Answered(s, _) if s.is_success() => "delivered",
            Posted::Answered(s, _) if retryable(*s) => "retryable",
            Posted::Answered(..) => "refused",
            Posted::TimedOut => "timeout",
            Posted::Unreachable(_) => "unreachable",
        };
        counts.metrics.attempts.with_label_values(&[result]).inc();
        let (status, error, retry_after) = match posted {
            Posted::Answered(s, _) if s.is_success() => return Fate::Delivered,
            Posted::Answered(s, after) if retryable(s) => (Some(s.as_u16()), format!("answered {s}"), after),
            Posted::Answered(s, _) => {
                return Fate::Dead { status: Some(s.as_u16()), error: format!("answered {s}"), attempts: attempt };
            }
            Posted::TimedOut => (None, "timed out".to_owned(), None),
            Posted::Unreachable(e) => (None, format!("unreachable: {e}"), None),
        };
        if attempt >= policy.max_attempts {
            return Fate::Dead { status, error, attempts: attempt };
        }
        counts.retries.fetch_add(1, Ordering::Relaxed);
        let wait = policy.wait(attempt, retry_after, id);
        tracing::info!(delivery_id = id, attempt, %error, wait_ms = wait.as_millis() as u64, "retrying");
        // Its idle time starts again: the wait and the next attempt stay within --claim-idle-secs.
        if let Err(e) = item.in_progress().await {
            tracing::warn!(delivery_id = id, error = %e, "could not keep the event claimed while waiting");
        }
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_are_capped_jittered_and_retry_after_wins() {
        let p = Policy { max_attempts: 8, base: Duration::from_millis(100), cap: Duration::from_secs(2) };
        for attempt in 1..=8 {
            let exp = Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_secs(2));
            let w = p.wait(attempt, None, "d");
            assert!(w >= exp && w <= exp.mul_f64(1.5), "attempt {attempt}: {w:?} against {exp:?}");
        }
        assert_eq!(p.wait(1, Some(Duration::from_secs(1)), "d"), Duration::from_secs(1));
        assert_eq!(p.wait(1, Some(Duration::from_secs(99)), "d"), Duration::from_secs(2));
        assert!(retryable(StatusCode::BAD_GATEWAY) && retryable(StatusCode::TOO_MANY_REQUESTS));
        assert!(retryable(StatusCode::REQUEST_TIMEOUT) && !retryable(StatusCode::UNPROCESSABLE_ENTITY));
    }
}
