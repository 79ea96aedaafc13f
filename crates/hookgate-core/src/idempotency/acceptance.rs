//! The acceptance suites every [`IdempotencyStore`] ([`run`]) and every [`Sink`] ([`sink`],
//! [`sink_down`]) must pass (feature `test-util`), so that the built-in ones and yours behave the
//! same.
//!
//! ```
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! hookgate_core::acceptance::run(Arc::new(hookgate_core::MemoryStore::new())).await;
//! # });
//! ```
//!
//! It uses real time (two waits of about 1.2 s) and a fresh namespace per run, so it can run
//! against a shared server.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::future::Future;

use super::{Claim, ClaimToken, IdempotencyKey, IdempotencyStore, StoreError, StoreErrorKind};
use crate::{Endpoint, Event, Preset, Sink, TestRequest};

const LEASE: Duration = Duration::from_secs(30);
const TTL: Duration = Duration::from_secs(3600);

fn acquired(c: Claim, what: &str) -> ClaimToken {
    match c {
        Claim::Acquired(t) => t,
        other => panic!("{what}: expected Acquired, got {other:?}"),
    }
}

/// Runs every check, panicking with a description of the first that fails.
pub async fn run<S: IdempotencyStore>(store: Arc<S>) {
    let ns = format!("acceptance-{}", SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos());
    let key = |id: &str| IdempotencyKey::new(&ns, id);
    let s = &*store;

    // claim → in flight → complete → done
    let k = key("a");
    let t = acquired(s.claim(&k, LEASE).await.unwrap(), "first claim");
    match s.claim(&k, LEASE).await.unwrap() {
        Claim::InFlight { retry_after } => {
            assert!(retry_after >= Duration::from_secs(1) && retry_after <= LEASE, "retry_after {retry_after:?}")
        }
        other => panic!("second claim: expected InFlight, got {other:?}"),
    }
    assert!(s.complete(&k, t, TTL).await.unwrap(), "complete by owner");
    assert_eq!(s.claim(&k, LEASE).await.unwrap(), Claim::Done, "claim after complete");

    // release → the retry is processed
    let k = key("b");
    let t = acquired(s.claim(&k, LEASE).await.unwrap(), "claim b");
    assert!(s.release(&k, t).await.unwrap(), "release by owner");
    let t2 = acquired(s.claim(&k, LEASE).await.unwrap(), "claim after release");
    // The old token cannot touch the new claim.
    assert!(!s.complete(&k, t, TTL).await.unwrap(), "complete with a stale token must fail");
    assert!(!s.release(&k, t).await.unwrap(), "release with a stale token must fail");
    assert!(matches!(s.claim(&k, LEASE).await.unwrap(), Claim::InFlight { .. }), "stale token changed state");
    assert!(s.complete(&k, t2, TTL).await.unwrap());

    // release and complete of keys never claimed do nothing
    let k = key("never");
    assert!(!s.release(&k, t).await.unwrap());
    assert!(!s.complete(&k, t, TTL).await.unwrap());
    acquired(s.claim(&k, LEASE).await.unwrap(), "claim of untouched key");

    // namespaces are independent
    let other = IdempotencyKey::new(&format!("{ns}-other"), "a");
    acquired(s.claim(&other, LEASE).await.unwrap(), "same id, other endpoint");

    // lease expiry: a crashed handler does not block the delivery forever,
    // and its late complete cannot affect the newer claim
    let k = key("lease");
    let old = acquired(s.claim(&k, Duration::from_secs(1)).await.unwrap(), "short lease");
    // TTL expiry: a done key is forgotten after its TTL
    let kt = key("ttl");
    let tt = acquired(s.claim(&kt, LEASE).await.unwrap(), "ttl claim");
    assert!(s.complete(&kt, tt, Duration::from_secs(1)).await.unwrap());
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let new = acquired(s.claim(&k, LEASE).await.unwrap(), "claim after lease expiry");
    assert_ne!(old, new, "a new claim needs a new token");
    assert!(!s.complete(&k, old, TTL).await.unwrap(), "late complete from an expired lease must fail");
    assert!(matches!(s.claim(&k, LEASE).await.unwrap(), Claim::InFlight { .. }));
    acquired(s.claim(&kt, LEASE).await.unwrap(), "claim after TTL expiry");

    // concurrency: exactly one of many concurrent claims wins
    let k = key("race");
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let (store, k) = (Arc::clone(&store), k.clone());
        tasks.push(tokio::spawn(async move { store.claim(&k, LEASE).await.unwrap() }));
    }
    let mut won = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), Claim::Acquired(_)) {
            won += 1;
        }
    }
    assert_eq!(won, 1, "exactly one concurrent claim must win");
}

/// A store whose every call fails, as an unreachable server's would: for testing what an endpoint
/// answers then (503 with `Retry-After`, nothing handed off, nothing passed to the handler).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use hookgate_core::{IdempotencyKey, IdempotencyStore, acceptance::UnreachableStore};
/// let key = IdempotencyKey::new("/hooks", "evt_1");
/// assert!(UnreachableStore.claim(&key, Duration::from_secs(60)).await.is_err());
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct UnreachableStore;

impl IdempotencyStore for UnreachableStore {
    async fn claim(&self, _: &IdempotencyKey, _: Duration) -> Result<Claim, StoreError> {
        Err(StoreError::new(StoreErrorKind::Unavailable, "connection refused"))
    }
    async fn complete(&self, _: &IdempotencyKey, _: ClaimToken, _: Duration) -> Result<bool, StoreError> {
        Err(StoreError::new(StoreErrorKind::Unavailable, "connection refused"))
    }
    async fn release(&self, _: &IdempotencyKey, _: ClaimToken) -> Result<bool, StoreError> {
        Err(StoreError::new(StoreErrorKind::Unavailable, "connection refused"))
    }
}

/// The sink suite: 50 distinct deliveries through quick-ack into `sink`, each sent three times
/// (twice at once, then once more after the first answers). `taken(endpoint)` reads back the
/// events the sink holds for that endpoint (a fresh name per run). Each delivery must be answered
/// 202 once and 200 or 409 otherwise, and be there exactly once, its body byte for byte.
///
/// ```
/// # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
/// use std::sync::{Arc, Mutex};
/// let (tx, rx) = hookgate_core::channel(1024);
/// let rx = Arc::new(tokio::sync::Mutex::new(rx));
/// hookgate_core::acceptance::sink(tx, |_endpoint| {
///     let rx = Arc::clone(&rx);
///     async move {
///         let mut rx = rx.lock().await;
///         std::iter::from_fn(|| rx.try_recv().ok()).collect()
///     }
/// })
/// .await;
/// # });
/// ```
pub async fn sink<S, F, Fut>(sink: S, taken: F)
where
    S: Sink,
    F: Fn(String) -> Fut,
    Fut: Future<Output = Vec<Event>>,
{
    let name = format!("/acceptance-{}", SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos());
    let endpoint =
        Endpoint::builder(name.clone(), crate::Verifier::for_preset(Preset::Github, &["acceptance"]).unwrap())
            .build()
            .unwrap();
    let sink = Arc::new(sink);
    let request = |i: usize| {
        TestRequest::signed(Preset::Github, "acceptance", format!("{{\"n\":{i},\"bytes\":\"\u{e9}\\n\"}}"))
            .id(&format!("d-{i}"))
    };
    let mut sent = Vec::new();
    for i in 0..50 {
        let req = request(i);
        let (first, second) =
            tokio::join!(endpoint.quick_ack(&req, req.body(), &*sink), endpoint.quick_ack(&req, req.body(), &*sink));
        let third = endpoint.quick_ack(&req, req.body(), &*sink).await;
        let statuses = [first.status(), second.status(), third.status()];
        assert_eq!(statuses.iter().filter(|s| **s == 202).count(), 1, "delivery {i}: {statuses:?}");
        assert!(statuses.iter().all(|s| [200, 202, 409].contains(s)), "delivery {i}: {statuses:?}");
        sent.push(req);
    }
    let events = taken(name.clone()).await;
    for req in &sent {
        let id = req.headers().iter().find(|(k, _)| k == "x-github-delivery").map(|(_, v)| v.as_str()).unwrap();
        let copies: Vec<&Event> = events.iter().filter(|e| e.metadata().delivery_id() == id).collect();
        assert_eq!(copies.len(), 1, "delivery {id} taken {} times", copies.len());
        assert_eq!(copies[0].body(), req.bytes(), "delivery {id}: body changed");
        assert_eq!(copies[0].metadata().endpoint(), name);
    }
    assert_eq!(events.len(), sent.len(), "the sink holds exactly what was accepted");
}

/// The failure half of the sink suite: a delivery through `down` (the same kind of sink, with its
/// broker unreachable) is answered 503 with `Retry-After`, and nothing is remembered: the same
/// delivery through `up` afterwards is accepted (202) and taken once (`taken`, as for [`sink`]).
pub async fn sink_down<D, U, F, Fut>(down: D, up: U, taken: F)
where
    D: Sink,
    U: Sink,
    F: Fn(String) -> Fut,
    Fut: Future<Output = Vec<Event>>,
{
    let name =
        format!("/acceptance-down-{}", SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos());
    let verifier = crate::Verifier::for_preset(Preset::Github, &["acceptance"]).unwrap();
    let endpoint = Endpoint::builder(name.clone(), verifier).sink_timeout(Duration::from_secs(2)).build().unwrap();
    let req = TestRequest::signed(Preset::Github, "acceptance", "{}").id("down-1");
    let refused = endpoint.quick_ack(&req, req.body(), &down).await;
    assert_eq!(refused.status(), 503, "{refused:?}");
    assert_eq!(refused.header().map(|h| h.0), Some("retry-after"));
    let accepted = endpoint.quick_ack(&req, req.body(), &up).await;
    assert_eq!(accepted.status(), 202, "the retry goes through: {accepted:?}");
    assert_eq!(taken(name).await.len(), 1);
}
