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

/// Arguments of `hookgate forward`.
#[derive(Args)]
pub(crate) struct ForwardArgs {
    /// The stream to read: `redis://host:port[/db]`.
    #[arg(long)]
    from: String,
    /// The stream's key.
    #[arg(long, default_value = "hookgate:events")]
    stream: String,
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
    /// How long an event may stay unacknowledged with a forwarder that died before another takes it.
    #[arg(long, default_value_t = 300)]
    claim_idle_secs: u64,
}

/// Arguments of `hookgate redrive`.
#[derive(Args)]
pub(crate) struct RedriveArgs {
    /// The stream whose dead letters to move back: `redis://host:port[/db]`.
    #[arg(long)]
    from: String,
    /// The stream's key (its dead letters are `<stream>:dead`).
    #[arg(long, default_value = "hookgate:events")]
    stream: String,
}

/// What happened to one event.
enum Fate {
    Delivered,
    Dead { status: Option<u16>, error: String, attempts: u32 },
}

/// Counts for the progress lines and the summary.
#[derive(Default)]
struct Counts {
    delivered: AtomicU64,
    retries: AtomicU64,
    dead: AtomicU64,
}

pub(crate) fn forward_main(a: ForwardArgs) -> anyhow::Result<ExitCode> {
    if !a.from.starts_with("redis://") && !a.from.starts_with("rediss://") {
        bail!("--from `{}`: the forwarder reads redis:// streams (NATS: not in this version yet)", a.from);
    }
    if !a.to.starts_with("http://") {
        bail!("--to `{}`: only http:// URLs", a.to);
    }
    if a.concurrency == 0 || a.max_attempts == 0 {
        bail!("--concurrency and --max-attempts must be at least 1");
    }
    crate::logging();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    rt.block_on(run(a))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn redrive_main(a: RedriveArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    let moved = rt.block_on(hookgate_redis::redrive(&a.from, &a.stream)).context("redrive")?;
    eprintln!("moved {moved} dead letter(s) from {} back to {}", hookgate_redis::dead_letters(&a.stream), a.stream);
    Ok(ExitCode::SUCCESS)
}

async fn run(a: ForwardArgs) -> anyhow::Result<()> {
    let consumer_name = a.consumer.clone().unwrap_or_else(|| format!("forward-{}", std::process::id()));
    let mut consumer = RedisStreamConsumer::builder(&a.from)
        .stream(&a.stream)
        .group(&a.group)
        .consumer(&consumer_name)
        .min_idle(Duration::from_secs(a.claim_idle_secs))
        .block(Duration::from_millis(500))
        .build()
        .await
        .with_context(|| format!("reading {} at {}", a.stream, a.from))?;
    let acker = consumer.acker();
    let post = Arc::new(Forward::new(&a.to, Duration::from_secs(a.timeout_secs), &[])?);
    let policy = Arc::new(Policy {
        max_attempts: a.max_attempts,
        base: Duration::from_millis(a.backoff_ms),
        cap: Duration::from_secs(a.max_backoff_secs),
    });
    let counts = Arc::new(Counts::default());
    tracing::info!(stream = %a.stream, group = %a.group, consumer = %consumer_name, to = %a.to, "forwarding");

    let mut in_flight: JoinSet<()> = JoinSet::new();
    let mut stop = std::pin::pin!(crate::serve::shutdown_signal());
    let mut last_progress = Instant::now();
    loop {
        if in_flight.len() >= a.concurrency {
            in_flight.join_next().await;
            continue;
        }
        let next = tokio::select! {
            _ = &mut stop => break,
            next = consumer.next() => next,
        };
        match next {
            Ok(Some(delivery)) => {
                let (post, policy, acker, counts) =
                    (Arc::clone(&post), Arc::clone(&policy), acker.clone(), Arc::clone(&counts));
                in_flight.spawn(async move { handle(delivery, &post, &policy, &acker, &counts).await });
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "reading the stream failed; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        if last_progress.elapsed() >= Duration::from_secs(5) {
            progress(&counts, &acker, in_flight.len()).await;
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

async fn progress(counts: &Counts, acker: &Acker, in_flight: usize) {
    let backlog = acker.backlog().await.ok();
    eprintln!(
        "forwarded {}, retries {}, dead {}, in flight {in_flight}, unread {}",
        counts.delivered.load(Ordering::Relaxed),
        counts.retries.load(Ordering::Relaxed),
        counts.dead.load(Ordering::Relaxed),
        backlog.and_then(|b| b.1).map_or("?".to_owned(), |n| n.to_string())
    );
}

/// One event, to its end: POSTed until delivered or dead, then acknowledged or dead-lettered.
async fn handle(delivery: Delivery, post: &Forward, policy: &Policy, acker: &Acker, counts: &Counts) {
    let fate = deliver(&delivery, post, policy, counts).await;
    let id = delivery.event.metadata().delivery_id().to_owned();
    let settled = match &fate {
        Fate::Delivered => acker.ack(&delivery).await,
        Fate::Dead { status, error, attempts } => acker.dead_letter(&delivery, *status, error, *attempts).await,
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

async fn deliver(delivery: &Delivery, post: &Forward, policy: &Policy, counts: &Counts) -> Fate {
    let id = delivery.event.metadata().delivery_id();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (status, error, retry_after) = match post.post_event(&delivery.event).await {
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
