//! The pipeline end to end: every contract outcome, exactly-once under concurrency, the
//! hand-off's back-pressure, and the handler-mode guard on success, failure, panic and drop.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hookgate_core::{
    Claim, ClaimToken, Endpoint, IdempotencyKey, IdempotencyStore, MemoryStore, Outcome, Preset, StoreError,
    StoreErrorKind, TestRequest, Verifier,
};

const SECRET: &str = "pipeline-secret";

fn endpoint_with<St: IdempotencyStore>(store: St) -> Endpoint<St> {
    let v = Verifier::for_preset(Preset::Github, &[SECRET]).unwrap();
    Endpoint::builder("/hooks", v).store(store).build().unwrap()
}

fn endpoint() -> Endpoint<MemoryStore> {
    endpoint_with(MemoryStore::new())
}

fn delivery(id: &str) -> TestRequest {
    TestRequest::signed(Preset::Github, SECRET, format!(r#"{{"delivery":"{id}"}}"#)).id(id).event_type("push")
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

#[tokio::test]
async fn method_size_and_verification_refusals() {
    let e = endpoint();
    let (tx, _rx) = hookgate_core::channel(4);
    let req = delivery("d1");
    let get = req.clone().with_method("GET");
    assert_eq!(e.quick_ack(&get, get.body(), &tx).await.status(), 405);
    let big = req.clone().with_body(vec![b'x'; 1024 * 1024 + 1]);
    assert_eq!(e.quick_ack(&big, big.body(), &tx).await.status(), 413);
    let declared = req.clone().header("content-length", "1048577");
    assert_eq!(e.quick_ack(&declared, declared.body(), &tx).await.status(), 413);
    let tampered = req.clone().tampered("tampered");
    assert_eq!(e.quick_ack(&tampered, tampered.body(), &tx).await.status(), 401);
    let no_id = req.clone().without("x-github-delivery");
    assert_eq!(e.quick_ack(&no_id, no_id.body(), &tx).await.status(), 400);
    let exact = req.with_body(vec![b'x'; 1024 * 1024]);
    assert_eq!(e.quick_ack(&exact, exact.body(), &tx).await.status(), 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_deliveries_of_one_key_hand_off_once() {
    let e = endpoint();
    let (tx, mut rx) = hookgate_core::channel(2000);
    let req = Arc::new(delivery("same"));
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let (e, tx, req) = (e.clone(), tx.clone(), Arc::clone(&req));
        tasks.push(tokio::spawn(async move { e.quick_ack(&*req, req.body(), &tx).await.status() }));
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
    let h1 = delivery("first");
    let h2 = delivery("second");
    assert_eq!(e.quick_ack(&h1, h1.body(), &tx).await.status(), 202);
    let o = e.quick_ack(&h2, h2.body(), &tx).await;
    assert_eq!((o.status(), o.header().unwrap().0), (503, "retry-after"));
    // The claim was released: the retry is not a 409 or a duplicate.
    rx.recv().await.unwrap();
    assert_eq!(e.quick_ack(&h2, h2.body(), &tx).await.status(), 202);
    assert_eq!(rx.recv().await.unwrap().metadata().delivery_id(), "second");
    assert_eq!(e.quick_ack(&h2, h2.body(), &tx).await.status(), 200);
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn closed_channel_is_503_never_a_panic() {
    let e = endpoint();
    let (tx, rx) = hookgate_core::channel(4);
    drop(rx);
    let h = delivery("x");
    assert_eq!(e.quick_ack(&h, h.body(), &tx).await.status(), 503);
    let (tx2, mut rx2) = hookgate_core::channel(4);
    assert_eq!(e.quick_ack(&h, h.body(), &tx2).await.status(), 202);
    assert!(rx2.recv().await.is_some());
}

#[tokio::test]
async fn event_carries_metadata_and_the_raw_body() {
    let e = endpoint();
    let (tx, mut rx) = hookgate_core::channel(4);
    let h = delivery("meta");
    e.quick_ack(&h, h.body(), &tx).await;
    let ev = rx.recv().await.unwrap();
    let m = ev.metadata();
    assert_eq!(
        (m.endpoint(), m.provider(), m.delivery_id(), m.event_type()),
        ("/hooks", "github", "meta", Some("push"))
    );
    let b = h.bytes();
    assert_eq!(ev.body(), b);
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
async fn handler_mode_completes_on_2xx_and_releases_on_failure_panic_and_drop() {
    let store = Arc::new(MemoryStore::new());
    let e = endpoint_with(Arc::clone(&store));
    let handle = |id: &'static str, status: u16| {
        let e = e.clone();
        async move {
            let req = delivery(id);
            let body = req.body();
            e.handle(req, body, |_, meta, _| async move { (meta.delivery_id().to_owned(), status) }).await
        }
    };

    // 2xx → done; a retry is a duplicate.
    assert_eq!(handle("ok", 204).await.unwrap(), "ok");
    assert_eq!(handle("ok", 204).await.unwrap_err().status(), 200);

    // 5xx → released; the retry runs the handler.
    assert!(handle("fail", 500).await.is_ok());
    assert!(handle("fail", 200).await.is_ok());
    assert_eq!(claim_state(&*store, "fail").await, Claim::Done);

    // While a handler runs, the same delivery is in flight (409).
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (finish_tx, finish_rx) = tokio::sync::oneshot::channel::<()>();
    let slow = {
        let e = e.clone();
        tokio::spawn(async move {
            let req = delivery("slow");
            let body = req.body();
            e.handle(req, body, |_, _, _| async move {
                started_tx.send(()).unwrap();
                finish_rx.await.unwrap();
                ((), 200)
            })
            .await
        })
    };
    started_rx.await.unwrap();
    assert_eq!(handle("slow", 200).await.unwrap_err().status(), 409);
    finish_tx.send(()).unwrap();
    slow.await.unwrap().unwrap();
    assert_eq!(handle("slow", 200).await.unwrap_err().status(), 200);

    // Handler panics: the claim is released during unwinding.
    let panicked = {
        let e = e.clone();
        tokio::spawn(async move {
            let req = delivery("panic");
            let body = req.body();
            e.handle(req, body, |_, _, _| async move {
                panic!("handler blew up");
                #[allow(unreachable_code)]
                ((), 200)
            })
            .await
        })
        .await
    };
    assert!(panicked.is_err());
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(matches!(claim_state(&*store, "panic").await, Claim::Acquired(_)));

    // Request future dropped (client went away): released too.
    let req = delivery("dropped");
    let body = req.body();
    let fut = e.handle(req, body, |_, _, _| std::future::pending::<((), u16)>());
    let _ = tokio::time::timeout(Duration::from_millis(5), fut).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(matches!(claim_state(&*store, "dropped").await, Claim::Acquired(_)));
}

#[tokio::test]
async fn unreachable_store_is_503_and_nothing_is_handed_off() {
    let e = endpoint_with(hookgate_core::acceptance::UnreachableStore);
    let (tx, mut rx) = hookgate_core::channel(4);
    let h = delivery("x");
    let o = e.quick_ack(&h, h.body(), &tx).await;
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

/// A store whose answers can be lost after the write was applied (a timeout, a restart).
struct LossyRemote {
    inner: MemoryStore,
    lose_next_answer: std::sync::atomic::AtomicBool,
}

impl LossyRemote {
    fn answer<T>(&self, applied: Result<T, StoreError>) -> Result<T, StoreError> {
        if self.lose_next_answer.swap(false, Ordering::SeqCst) {
            return Err(StoreError::new(StoreErrorKind::Timeout, "timed out waiting for the answer"));
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_store_answer_never_loses_the_event() {
    let store = Arc::new(LossyRemote { inner: MemoryStore::new(), lose_next_answer: false.into() });
    let v = Verifier::for_preset(Preset::Github, &[SECRET]).unwrap();
    let e =
        Endpoint::builder("/hooks", v).store(Arc::clone(&store)).lease(Duration::from_millis(1000)).build().unwrap();
    let (tx, mut rx) = hookgate_core::channel(16);
    let h = delivery("lost-answer");

    // The claim was written but its answer lost: 503, nothing handed off, nothing marked done.
    store.lose_next_answer.store(true, Ordering::SeqCst);
    assert_eq!(e.quick_ack(&h, h.body(), &tx).await.status(), 503);
    assert!(rx.try_recv().is_err());
    // The sender's retry meets the lease (409), then, once it expires, is handed off: once.
    assert_eq!(e.quick_ack(&h, h.body(), &tx).await.status(), 409);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(e.quick_ack(&h, h.body(), &tx).await.status(), 202);
    assert_eq!(rx.try_recv().unwrap().metadata().delivery_id(), "lost-answer");
    // Marked done before the 202: a duplicate right after it is 200 and not handed off.
    assert_eq!(e.quick_ack(&h, h.body(), &tx).await.status(), 200);
    assert!(rx.try_recv().is_err());
}

/// A sink that never acknowledges.
struct Stuck;

impl hookgate_core::Sink for Stuck {
    async fn publish(&self, _: hookgate_core::Event) -> Result<(), hookgate_core::SinkError> {
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_sink_past_its_timeout_is_503_and_the_delivery_is_not_marked() {
    let store = MemoryStore::new();
    let v = Verifier::for_preset(Preset::Github, &[SECRET]).unwrap();
    let e =
        Endpoint::builder("/hooks", v).store(store.clone()).sink_timeout(Duration::from_millis(50)).build().unwrap();
    let h = delivery("stuck");
    let o = e.quick_ack(&h, h.body(), &Stuck).await;
    assert_eq!((o.status(), o.header().map(|h| h.0)), (503, Some("retry-after")));
    assert!(matches!(claim_state(&store, "stuck").await, Claim::Acquired(_)), "released for the retry");
}

/// The in-process channel answers at once: quick-ack needs no timer in the runtime for it.
#[test]
fn the_channel_needs_no_timer() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let e = endpoint();
        let (tx, _rx) = hookgate_core::channel(4);
        let h = delivery("no-timer");
        assert_eq!(e.quick_ack(&h, h.body(), &tx).await.status(), 202);
    });
}

/// A URL-signing preset verifies against the configured public URL (with the request's query),
/// or, only with `trust_forwarded`, against the URL rebuilt from `X-Forwarded-*` and `Host`;
/// an endpoint with neither is not built.
#[tokio::test]
async fn url_signing_presets_verify_the_url_the_provider_called() {
    let (tx, _rx) = hookgate_core::channel(8);
    let body = "AccountSid=AC1&Body=Hello";
    let verifier = || Verifier::for_preset(Preset::Twilio, &["auth-token"]).unwrap();
    assert!(Endpoint::builder("/tw", verifier()).build().is_err());

    let public = Endpoint::builder("/tw", verifier()).public_url("https://hooks.example.com/tw").build().unwrap();
    let signed = |url: &str| TestRequest::signed(Preset::Twilio, "auth-token", body).url(url);
    // The request reaches hookgate at another host and path (a proxy): the public URL is what counts.
    let req = signed("https://hooks.example.com/tw?x=1").without("host").header("host", "10.0.0.7:8080");
    assert_eq!(public.quick_ack(&req, req.body(), &tx).await.status(), 202);
    let elsewhere = signed("https://evil.example.com/tw");
    assert_eq!(public.quick_ack(&elsewhere, elsewhere.body(), &tx).await.status(), 401);

    let forwarded = Endpoint::builder("/tw2", verifier()).trust_forwarded(true).build().unwrap();
    let req = signed("https://hooks.example.com/tw?x=2")
        .without("host")
        .header("host", "10.0.0.7:8080")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "hooks.example.com");
    assert_eq!(forwarded.quick_ack(&req, req.body(), &tx).await.status(), 202);
    // Without the forwarded headers the rebuilt URL is http://10.0.0.7:8080/tw?x=2: refused.
    let bare = req.clone().without("x-forwarded-proto").without("x-forwarded-host");
    assert_eq!(forwarded.quick_ack(&bare, bare.body(), &tx).await.status(), 401);
}
