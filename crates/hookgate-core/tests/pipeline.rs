//! The pipeline end to end: every contract outcome, exactly-once under concurrency, the
//! hand-off's back-pressure, and the handler-mode guard on success, failure, panic and drop.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use hookgate_core::{
    Claim, ClaimToken, Endpoint, IdempotencyKey, IdempotencyStore, MemoryStore, Outcome, Preset, Secret, SignOptions,
    StoreError, Verifier,
};

const SECRET: &str = "pipeline-secret";

fn endpoint_with<St: IdempotencyStore>(store: St) -> Endpoint<St> {
    let v = Verifier::for_preset(Preset::Github, &[SECRET]).unwrap();
    Endpoint::builder("/hooks", v).store(store).build().unwrap()
}

fn endpoint() -> Endpoint<MemoryStore> {
    endpoint_with(MemoryStore::new())
}

fn delivery(id: &str) -> (Vec<(String, String)>, Bytes) {
    let body = Bytes::from(format!(r#"{{"delivery":"{id}"}}"#));
    let h = Preset::Github
        .scheme()
        .sign(
            &Secret::hmac(SECRET).unwrap(),
            &body,
            &SignOptions { id: Some(id), event_type: Some("push"), ..Default::default() },
        )
        .unwrap();
    (h, body)
}

type Row = (Outcome, u16, Option<(&'static str, &'static str)>);

#[test]
fn outcome_table_matches_the_contract() {
    let d = Duration::from_secs(7);
    let rows: Vec<Row> = vec![
        (Outcome::Accepted { delivery_id: "x".into() }, 202, None),
        (Outcome::Duplicate { delivery_id: "x".into() }, 200, Some(("hookgate-duplicate", "true"))),
        (Outcome::InFlight { retry_after: d }, 409, Some(("retry-after", "7"))),
        (Outcome::PayloadTooLarge, 413, None),
        (Outcome::MethodNotAllowed, 405, Some(("allow", "POST"))),
        (Outcome::Unavailable { retry_after: Duration::from_millis(10) }, 503, Some(("retry-after", "1"))),
    ];
    for (o, status, header) in rows {
        assert_eq!(o.status(), status);
        assert_eq!(o.header().as_ref().map(|(k, v)| (*k, v.as_str())), header);
        assert!(!o.body_text().is_empty());
    }
}

/// A request without headers.
const NO_HEADERS: [(&str, &str); 0] = [];

#[tokio::test]
async fn method_size_and_verification_refusals() {
    let e = endpoint();
    assert_eq!(e.check_method("GET", &NO_HEADERS).unwrap_err().status(), 405);
    assert!(e.check_method("POST", &NO_HEADERS).is_ok());
    assert_eq!(e.check_content_length(Some(1024 * 1024 + 1), &NO_HEADERS).unwrap_err().status(), 413);
    assert!(e.check_content_length(Some(1024 * 1024), &NO_HEADERS).is_ok());
    let (tx, _rx) = hookgate_core::channel(4);
    let (h, body) = delivery("d1");
    assert_eq!(e.quick_ack(&h, Bytes::from_static(b"tampered"), &tx).await.status(), 401);
    let no_id: Vec<_> = h.iter().filter(|(k, _)| k != "x-github-delivery").cloned().collect();
    assert_eq!(e.quick_ack(&no_id, body, &tx).await.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_deliveries_of_one_key_hand_off_once() {
    let e = endpoint();
    let (tx, mut rx) = hookgate_core::channel(2000);
    let (h, body) = delivery("same");
    let h = Arc::new(h);
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let (e, tx, h, body) = (e.clone(), tx.clone(), Arc::clone(&h), body.clone());
        tasks.push(tokio::spawn(async move { e.quick_ack(&*h, body, &tx).await.status() }));
    }
    let mut counts = std::collections::BTreeMap::new();
    for t in tasks {
        *counts.entry(t.await.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(counts.get(&202), Some(&1), "{counts:?}");
    assert_eq!(counts.keys().filter(|s| ![200, 202, 409].contains(*s)).count(), 0, "{counts:?}");
    drop(tx);
    let mut handed = 0;
    while rx.recv().await.is_some() {
        handed += 1;
    }
    assert_eq!(handed, 1);
}

#[tokio::test]
async fn full_channel_is_503_and_the_retry_is_handed_off_once_after_draining() {
    let e = endpoint();
    let (tx, mut rx) = hookgate_core::channel(1);
    let (h1, b1) = delivery("first");
    let (h2, b2) = delivery("second");
    assert_eq!(e.quick_ack(&h1, b1, &tx).await.status(), 202);
    let o = e.quick_ack(&h2, b2.clone(), &tx).await;
    assert_eq!((o.status(), o.header().unwrap().0), (503, "retry-after"));
    // The claim was released: the retry is not a 409 or a duplicate.
    rx.recv().await.unwrap();
    assert_eq!(e.quick_ack(&h2, b2.clone(), &tx).await.status(), 202);
    assert_eq!(rx.recv().await.unwrap().metadata().delivery_id(), "second");
    assert_eq!(e.quick_ack(&h2, b2, &tx).await.status(), 200);
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn closed_channel_is_503_never_a_panic() {
    let e = endpoint();
    let (tx, rx) = hookgate_core::channel(4);
    drop(rx);
    let (h, b) = delivery("x");
    assert_eq!(e.quick_ack(&h, b.clone(), &tx).await.status(), 503);
    let (tx2, mut rx2) = hookgate_core::channel(4);
    assert_eq!(e.quick_ack(&h, b, &tx2).await.status(), 202);
    assert!(rx2.recv().await.is_some());
}

#[tokio::test]
async fn event_carries_metadata_and_the_raw_body() {
    let e = endpoint();
    let (tx, mut rx) = hookgate_core::channel(4);
    let (h, b) = delivery("meta");
    e.quick_ack(&h, b.clone(), &tx).await;
    let ev = rx.recv().await.unwrap();
    let m = ev.metadata();
    assert_eq!(
        (m.endpoint(), m.provider(), m.delivery_id(), m.event_type()),
        ("/hooks", "github", "meta", Some("push"))
    );
    assert_eq!(ev.body(), &b);
    // `b` is still held here, as a server's read buffer holds the slice it handed over: the
    // small body is copied into the event, which then does not keep that buffer alive.
    assert_ne!(ev.body().as_ptr(), b.as_ptr());
    assert!(ev.body().is_unique(), "the event owns its body");
    let v: serde_json::Value = ev.json().unwrap();
    assert_eq!(v["delivery"], "meta");
}

async fn claim_state<St: IdempotencyStore>(store: &St, id: &str) -> Claim {
    store.claim(&IdempotencyKey::new("/hooks", id), Duration::from_secs(60)).await.unwrap()
}

#[tokio::test]
async fn handler_guard_success_failure_panic_and_drop() {
    let store = Arc::new(MemoryStore::new());
    let e = endpoint_with(Arc::clone(&store));
    let begin = |id: &'static str| {
        let e = e.clone();
        async move {
            let (h, b) = delivery(id);
            let v = e.verify(&h, &b).unwrap();
            e.begin(v).await
        }
    };

    // 2xx → done; a retry is a duplicate.
    let g = begin("ok").await.unwrap();
    assert_eq!(g.metadata().delivery_id(), "ok");
    assert_eq!(begin("ok").await.unwrap_err().status(), 409);
    g.finish(204).await;
    assert_eq!(begin("ok").await.unwrap_err().status(), 200);

    // 5xx → released; the retry runs the handler.
    begin("fail").await.unwrap().finish(500).await;
    begin("fail").await.unwrap().finish(200).await;
    assert_eq!(claim_state(&*store, "fail").await, Claim::Done);

    // Handler panics: the guard is dropped during unwinding and releases.
    let g = begin("panic").await.unwrap();
    let r = tokio::spawn(async move {
        let _g = g;
        panic!("handler blew up");
    })
    .await;
    assert!(r.is_err());
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(matches!(claim_state(&*store, "panic").await, Claim::Acquired(_)));

    // Request future dropped (client went away): released too.
    let g = begin("dropped").await.unwrap();
    let fut = async move {
        let _g = g;
        std::future::pending::<()>().await;
    };
    let _ = tokio::time::timeout(Duration::from_millis(5), fut).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(matches!(claim_state(&*store, "dropped").await, Claim::Acquired(_)));
}

#[tokio::test]
async fn unreachable_store_is_503_and_nothing_is_handed_off() {
    let e = endpoint_with(hookgate_core::acceptance::UnreachableStore);
    let (tx, mut rx) = hookgate_core::channel(4);
    let (h, b) = delivery("x");
    let o = e.quick_ack(&h, b, &tx).await;
    assert_eq!((o.status(), o.header().map(|h| h.0)), (503, Some("retry-after")));
    assert!(rx.try_recv().is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_passes_the_acceptance_suite() {
    hookgate_core::acceptance::run(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boxed_store_passes_the_acceptance_suite() {
    hookgate_core::acceptance::run(Arc::new(hookgate_core::BoxedStore::new(MemoryStore::new()))).await;
}

/// A remote store whose answers can be lost after the write was applied (a timeout, a restart).
struct LossyRemote {
    inner: MemoryStore,
    lose_next_answer: std::sync::atomic::AtomicBool,
}

impl LossyRemote {
    fn answer<T>(&self, applied: Result<T, StoreError>) -> Result<T, StoreError> {
        if self.lose_next_answer.swap(false, Ordering::SeqCst) {
            return Err(StoreError("timed out waiting for the answer".into()));
        }
        applied
    }
}

impl IdempotencyStore for LossyRemote {
    async fn claim(&self, key: &IdempotencyKey, lease: Duration) -> Result<Claim, StoreError> {
        let applied = self.inner.claim(key, lease).await;
        self.answer(applied)
    }
    async fn complete(&self, key: &IdempotencyKey, token: ClaimToken, ttl: Duration) -> Result<bool, StoreError> {
        let applied = self.inner.complete(key, token, ttl).await;
        self.answer(applied)
    }
    async fn release(&self, key: &IdempotencyKey, token: ClaimToken) -> Result<bool, StoreError> {
        let applied = self.inner.release(key, token).await;
        self.answer(applied)
    }
    async fn claim_completed(&self, key: &IdempotencyKey, ttl: Duration) -> Result<Claim, StoreError> {
        let applied = self.inner.claim_completed(key, ttl).await;
        self.answer(applied)
    }
    fn is_remote(&self) -> bool {
        true
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_store_answer_never_loses_the_event() {
    let store = Arc::new(LossyRemote { inner: MemoryStore::new(), lose_next_answer: false.into() });
    let v = Verifier::for_preset(Preset::Github, &[SECRET]).unwrap();
    let e =
        Endpoint::builder("/hooks", v).store(Arc::clone(&store)).lease(Duration::from_millis(1000)).build().unwrap();
    let (tx, mut rx) = hookgate_core::channel(16);
    let (h, b) = delivery("lost-answer");

    // The claim was written but its answer lost: 503, nothing handed off, nothing marked done.
    store.lose_next_answer.store(true, Ordering::SeqCst);
    assert_eq!(e.quick_ack(&h, b.clone(), &tx).await.status(), 503);
    assert!(rx.try_recv().is_err());
    // The sender's retry meets the lease (409), then, once it expires, is handed off: once.
    assert_eq!(e.quick_ack(&h, b.clone(), &tx).await.status(), 409);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(e.quick_ack(&h, b.clone(), &tx).await.status(), 202);
    assert_eq!(rx.try_recv().unwrap().metadata().delivery_id(), "lost-answer");
    // Marked done before the 202: a duplicate right after it is 200 and not handed off.
    assert_eq!(e.quick_ack(&h, b, &tx).await.status(), 200);
    assert!(rx.try_recv().is_err());
}
