//! One contract table, every preset, both adapters (tower/axum and actix-web), both modes, every
//! row of the response table in `docs/behaviour.md` (the store rows on a pre-claimed and an unreachable store).
//! Each case is a short sequence of requests with the expected status and header of each, and
//! the expected number of hand-offs (quick-ack) or handler runs (handler mode). The two adapters
//! must also give byte-identical status/header/body answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use hookgate_core::{
    BoxedStore, Claim, Endpoint, IdempotencyKey, IdempotencyStore, MemoryStore, Preset, TestRequest, Verifier,
};

const LIMIT: usize = 16 * 1024;

#[derive(Clone, Debug)]
struct Req {
    method: &'static str,
    headers: Vec<(String, String)>,
    body: Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    status: u16,
    header: Option<(String, String)>,
    body: String,
}

struct Case {
    name: &'static str,
    requests: Vec<Req>,
    /// Status and one header of each answer; a header value of `*` means "present, any value".
    expect: Vec<(u16, Option<(&'static str, &'static str)>)>,
    work: usize,
    channel: usize,
    store: Store,
}

/// The idempotency store a case runs against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Store {
    /// A new, empty memory store.
    Fresh,
    /// A memory store in which the first request's delivery is already claimed (in flight).
    InFlight,
    /// A store that cannot be reached.
    Down,
}

fn secret(p: Preset) -> &'static str {
    match p {
        Preset::StandardWebhooks | Preset::Svix => "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        _ => "contract-table-secret",
    }
}

fn now() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn req(t: TestRequest) -> Req {
    Req { method: "POST", headers: t.headers().to_vec(), body: t.bytes().clone() }
}

fn signed(p: Preset, id: &str, ts: i64) -> Req {
    req(TestRequest::delivery(p, secret(p), id).timestamp(ts))
}

fn set(r: Req, name: &str, value: &str) -> Req {
    let mut r = without(r, name);
    r.headers.push((name.to_owned(), value.to_owned()));
    r
}

impl Case {
    /// One request and its answer, the handler never run, on a fresh store with room in the
    /// hand-off: the shape of most rows.
    fn one(name: &'static str, request: Req, answer: (u16, Option<(&'static str, &'static str)>)) -> Self {
        Case { name, requests: vec![request], expect: vec![answer], work: 0, channel: 8, store: Store::Fresh }
    }

    /// The same row on another store.
    fn on(self, store: Store) -> Self {
        Case { store, ..self }
    }
}

fn without(mut r: Req, name: &str) -> Req {
    r.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    r
}

fn cases(p: Preset) -> Vec<Case> {
    let t = now();
    let sig = p.scheme().signature_header().to_owned();
    let valid = |id: &str| signed(p, id, t);
    let wrong_secret = {
        let other = match p {
            Preset::StandardWebhooks | Preset::Svix => "whsec_d3JvbmctYnV0LWxvbmctZW5vdWdo",
            _ => "another-secret",
        };
        req(TestRequest::delivery(p, other, "a").timestamp(t))
    };
    let tampered = {
        let mut r = valid("a");
        r.body = Bytes::from(String::from_utf8_lossy(&r.body).replace("\"e\"", "\"E\""));
        r
    };
    let too_large = {
        let mut r = valid("a");
        r.body = Bytes::from(vec![b' '; LIMIT + 1]);
        r
    };
    let mut v = vec![
        Case { work: 1, ..Case::one("valid", valid("a"), (202, None)) },
        Case {
            name: "duplicate",
            requests: vec![valid("a"), valid("a")],
            expect: vec![(202, None), (200, Some(("hookgate-duplicate", "true")))],
            work: 1,
            channel: 8,
            store: Store::Fresh,
        },
        Case::one("tampered body", tampered, (401, None)),
        Case::one("missing signature", without(valid("a"), &sig), (401, None)),
        Case::one("malformed signature", set(valid("a"), &sig, "%%%"), (400, None)),
        Case::one("body over the limit", too_large, (413, None)),
        Case::one(
            "wrong method",
            Req { method: "GET", headers: vec![], body: Bytes::new() },
            (405, Some(("allow", "POST"))),
        ),
        Case {
            name: "hand-off full, then the retry",
            requests: vec![valid("a"), valid("b")],
            expect: vec![(202, None), (503, Some(("retry-after", "5")))],
            work: 1,
            channel: 1,
            store: Store::Fresh,
        },
        Case::one("wrong secret", wrong_secret, (401, None)),
        Case::one("signature header of absurd length", set(valid("a"), &sig, &"a".repeat(5000)), (400, None)),
        Case::one("in flight", valid("a"), (409, Some(("retry-after", "*")))).on(Store::InFlight),
        Case::one("store unreachable", valid("a"), (503, Some(("retry-after", "*")))).on(Store::Down),
    ];
    if let hookgate_core::TimestampSource::Header(h) = p.scheme().timestamp_source() {
        v.push(Case::one("malformed timestamp header", set(valid("a"), h, "soon"), (400, None)));
    }
    if p.scheme().enforces_timestamp() {
        v.push(Case::one("stale", signed(p, "a", t - 400), (401, None)));
        v.push(Case::one("future", signed(p, "a", t + 400), (401, None)));
    }
    if let hookgate_core::IdSource::Header(h) = p.scheme().id_source() {
        v.push(Case::one("missing id header", without(valid("a"), h), (400, None)));
    }
    v
}

/// The endpoint of a case, on the store it names.
async fn endpoint(p: Preset, case: &Case) -> Endpoint<BoxedStore> {
    let verifier = || Verifier::for_preset(p, &[secret(p)]).unwrap();
    let store = match case.store {
        Store::Fresh => BoxedStore::new(MemoryStore::new()),
        Store::Down => BoxedStore::new(hookgate_core::acceptance::UnreachableStore),
        Store::InFlight => {
            // Claimed under the key the endpoint will compute for the first request.
            let first = &case.requests[0];
            let verified = verifier().verify(&first.headers, &first.body, SystemTime::now()).unwrap();
            let store = MemoryStore::new();
            let key = IdempotencyKey::new("/hooks", verified.delivery_id());
            // 30.5 s: `Retry-After` (whole seconds of what is left) is 30 for both adapters,
            // whichever millisecond each request lands in.
            assert!(matches!(store.claim(&key, Duration::from_millis(30_500)).await.unwrap(), Claim::Acquired(_)));
            BoxedStore::new(store)
        }
    };
    Endpoint::builder("/hooks", verifier()).store(store).max_body_bytes(LIMIT).build().unwrap()
}

async fn run_tower(p: Preset, case: &Case, quick_ack: bool) -> (Vec<Answer>, usize) {
    use axum::body::Body;
    use tower::ServiceExt;
    let (tx, mut rx) = hookgate_core::channel(case.channel);
    let runs = Arc::new(AtomicUsize::new(0));
    let endpoint = endpoint(p, case).await;
    let app = if quick_ack {
        axum::Router::new().route_service("/hooks", hookgate_tower::QuickAck::new(endpoint, tx))
    } else {
        let r = Arc::clone(&runs);
        // A terminal handler on every method, so the method check is hookgate's own.
        axum::Router::new()
            .route(
                "/hooks",
                axum::routing::any(move || {
                    r.fetch_add(1, Ordering::SeqCst);
                    async { axum::http::StatusCode::ACCEPTED }
                }),
            )
            .layer(hookgate_tower::WebhookLayer::new(endpoint))
    };
    let mut out = Vec::new();
    for req in &case.requests {
        let mut b = axum::http::Request::builder().method(req.method).uri("/hooks");
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        let res = app.clone().oneshot(b.body(Body::from(req.body.clone())).unwrap()).await.unwrap();
        let status = res.status().as_u16();
        let header = ["hookgate-duplicate", "retry-after", "allow"]
            .iter()
            .find_map(|h| res.headers().get(*h).map(|v| (h.to_string(), v.to_str().unwrap().to_owned())));
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        out.push(Answer { status, header, body: String::from_utf8_lossy(&body).into_owned() });
    }
    let mut handed = 0;
    while rx.try_recv().is_ok() {
        handed += 1;
    }
    (out, if quick_ack { handed } else { runs.load(Ordering::SeqCst) })
}

async fn run_actix(p: Preset, case: &Case, quick_ack: bool) -> (Vec<Answer>, usize) {
    use actix_web::{App, HttpResponse, test, web};
    let (tx, mut rx) = hookgate_core::channel(case.channel);
    let runs = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&runs);
    let endpoint = endpoint(p, case).await;
    let handler = web::to(move || {
        r.fetch_add(1, Ordering::SeqCst);
        async { HttpResponse::Accepted().finish() }
    });
    let resource = web::resource("/hooks");
    let out = if quick_ack {
        let mw = hookgate_actix::QuickAck::new(endpoint, tx);
        drive_actix(test::init_service(App::new().service(resource.wrap(mw).default_service(handler))).await, case)
            .await
    } else {
        let mw = hookgate_actix::WebhookMiddleware::new(endpoint);
        drive_actix(test::init_service(App::new().service(resource.wrap(mw).default_service(handler))).await, case)
            .await
    };
    let mut handed = 0;
    while rx.try_recv().is_ok() {
        handed += 1;
    }
    (out, if quick_ack { handed } else { runs.load(Ordering::SeqCst) })
}

async fn drive_actix<S, B>(app: S, case: &Case) -> Vec<Answer>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    use actix_web::test;
    let mut out = Vec::new();
    for req in &case.requests {
        let mut b = test::TestRequest::default().method(req.method.parse().unwrap()).uri("/hooks");
        for (k, v) in &req.headers {
            b = b.insert_header((k.as_str(), v.as_str()));
        }
        let res = test::call_service(&app, b.set_payload(req.body.clone()).to_request()).await;
        let status = res.status().as_u16();
        let header = ["hookgate-duplicate", "retry-after", "allow"]
            .iter()
            .find_map(|h| res.headers().get(*h).map(|v| (h.to_string(), v.to_str().unwrap().to_owned())));
        let body = test::read_body(res).await;
        out.push(Answer { status, header, body: String::from_utf8_lossy(&body).into_owned() });
    }
    out
}

fn check(p: Preset, case: &Case, quick_ack: bool, adapter: &str, (answers, work): &(Vec<Answer>, usize)) {
    let mode = if quick_ack { "quick-ack" } else { "handler" };
    for (i, (a, (status, header))) in answers.iter().zip(&case.expect).enumerate() {
        // In handler mode the handler's own 202 stands where quick-ack answers 202.
        assert_eq!(a.status, *status, "{adapter} {mode} {p} `{}` request {i}: {a:?}", case.name);
        if let Some((h, v)) = header {
            let got = a.header.as_ref().map(|(k, got)| (k.as_str(), if *v == "*" { "*" } else { got.as_str() }));
            assert_eq!(got, Some((*h, *v)), "{adapter} {mode} {p} `{}` request {i}", case.name);
        }
    }
    if quick_ack || case.name != "hand-off full, then the retry" {
        assert_eq!(*work, case.work, "{adapter} {mode} {p} `{}`: work done", case.name);
    }
}

#[test]
fn contract_table_on_both_adapters() {
    let tokio_rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut checked = 0;
    for p in Preset::ALL {
        for case in cases(p) {
            for quick_ack in [true, false] {
                // The channel only exists in quick-ack mode.
                if !quick_ack && case.name == "hand-off full, then the retry" {
                    continue;
                }
                let tower = tokio_rt.block_on(run_tower(p, &case, quick_ack));
                let actix = actix_web::rt::System::new().block_on(run_actix(p, &case, quick_ack));
                check(p, &case, quick_ack, "tower", &tower);
                check(p, &case, quick_ack, "actix", &actix);
                assert_eq!(tower, actix, "{p} `{}` quick_ack={quick_ack}: the adapters disagree", case.name);
                checked += 1;
            }
        }
    }
    assert!(checked > 290, "{checked}");
}
