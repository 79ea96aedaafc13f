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
    Algorithm, BoxedStore, Claim, Endpoint, Handshake, IdempotencyKey, IdempotencyStore, MemoryStore, Preset,
    RequestLine, TestRequest, Verifier, example_secret, example_wrong_secret,
};

const LIMIT: usize = 16 * 1024;

/// Where the endpoint is, as the provider calls it (presets that sign the URL sign this).
const URL: &str = "http://localhost/hooks";

/// The endpoints' verify token, for Meta's GET subscription check.
const VERIFY_TOKEN: &str = "contract-verify-token";

#[derive(Clone, Debug)]
struct Req {
    method: &'static str,
    /// The request target: path and query.
    uri: String,
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
    example_secret(p)
}

/// Whether the preset's signature covers the body (not GitLab's shared token, not Mailgun's
/// signed token and timestamp).
fn covers_body(p: Preset) -> bool {
    let s = p.scheme();
    s.algorithm() != Algorithm::Token && s.signature_field().is_none()
}

fn now() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn req(t: TestRequest) -> Req {
    Req { method: "POST", uri: t.target().to_owned(), headers: t.headers().to_vec(), body: t.bytes().clone() }
}

fn signed(p: Preset, id: &str, ts: i64) -> Req {
    req(TestRequest::delivery(p, secret(p), id).url(URL).timestamp(ts))
}

fn get(uri: &str) -> Req {
    Req { method: "GET", uri: uri.to_owned(), headers: vec![], body: Bytes::new() }
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
    let wrong_secret = req(TestRequest::delivery(p, example_wrong_secret(p), "a").url(URL).timestamp(t));
    let tampered = {
        let mut r = valid("a");
        r.body = Bytes::from(String::from_utf8_lossy(&r.body).replace("\"e\"", "\"E\""));
        r
    };
    // Mailgun's signature is a body field: "missing" is a body without it.
    let unsigned = match p.scheme().signature_field() {
        Some(_) => {
            let mut r = valid("a");
            let mut body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            body["signature"].as_object_mut().unwrap().remove("signature");
            r.body = Bytes::from(body.to_string());
            r
        }
        None => without(valid("a"), &sig),
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
        match covers_body(p) {
            true => Case::one("tampered body", tampered, (401, None)),
            // What the signature does not cover can change: the preset's documented weakness.
            false => Case { work: 1, ..Case::one("tampered body", tampered, (202, None)) },
        },
        Case::one("missing signature", unsigned, (401, None)),
        Case::one("body over the limit", too_large, (413, None)),
        Case::one("wrong method", get("/hooks"), (405, Some(("allow", "POST")))),
        Case {
            name: "hand-off full, then the retry",
            requests: vec![valid("a"), valid("b")],
            expect: vec![(202, None), (503, Some(("retry-after", "5")))],
            work: 1,
            channel: 1,
            store: Store::Fresh,
        },
        Case::one("wrong secret", wrong_secret, (401, None)),
        Case::one("in flight", valid("a"), (409, Some(("retry-after", "*")))).on(Store::InFlight),
        Case::one("store unreachable", valid("a"), (503, Some(("retry-after", "*")))).on(Store::Down),
    ];
    if !sig.is_empty() {
        // Any text is a well-formed shared token, just not the right one.
        let status = if p.scheme().algorithm() == Algorithm::Token { 401 } else { 400 };
        v.push(Case::one("malformed signature", set(valid("a"), &sig, "%%%"), (status, None)));
        v.push(Case::one("signature header of absurd length", set(valid("a"), &sig, &"a".repeat(5000)), (400, None)));
    }
    v.extend(handshake_cases(p, t));
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

/// The handshake rows: answered by hookgate with `Hookgate-Handshake: true`, nothing handed off
/// and no handler run; a signed handshake that fails verification is refused like a delivery.
fn handshake_cases(p: Preset, t: i64) -> Vec<Case> {
    let answered = Some(("hookgate-handshake", "true"));
    let signed_body = |body: &str| TestRequest::signed(p, secret(p), body.to_owned()).url(URL).timestamp(t).id("hs-1");
    let tampered = |r: TestRequest| {
        let mut r = req(r);
        r.body = Bytes::from(String::from_utf8_lossy(&r.body).replace("abc", "abd"));
        r
    };
    match p.scheme().handshake() {
        Some(Handshake::SlackUrlVerification) => {
            let r = signed_body(r#"{"type":"url_verification","token":"t","challenge":"abc"}"#);
            vec![
                Case::one("handshake", req(r.clone()), (200, answered)),
                Case::one("handshake, tampered", tampered(r), (401, None)),
            ]
        }
        Some(Handshake::ZoomUrlValidation) => {
            let r = signed_body(r#"{"event":"endpoint.url_validation","payload":{"plainToken":"abc"},"event_ts":1}"#);
            vec![
                Case::one("handshake", req(r.clone()), (200, answered)),
                Case::one("handshake, tampered", tampered(r), (401, None)),
            ]
        }
        Some(Handshake::TwitchCallbackVerification) => {
            let r = signed_body(r#"{"challenge":"abc","subscription":{"type":"channel.follow"}}"#)
                .header("Twitch-Eventsub-Message-Type", "webhook_callback_verification");
            vec![
                Case::one("handshake", req(r.clone()), (200, answered)),
                Case::one("handshake, tampered", tampered(r), (401, None)),
            ]
        }
        Some(Handshake::DiscordPing) => {
            let r = signed_body(r#"{"type":1,"id":"abc"}"#);
            vec![
                Case::one("handshake", req(r.clone()), (200, answered)),
                Case::one("handshake, tampered", tampered(r), (401, None)),
            ]
        }
        Some(Handshake::MetaSubscribe) => vec![
            Case::one(
                "handshake",
                get(&format!("/hooks?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444")),
                (200, answered),
            ),
            Case::one(
                "handshake, wrong verify token",
                get("/hooks?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444"),
                (401, None),
            ),
        ],
        Some(Handshake::DropboxChallenge) => vec![Case::one("handshake", get("/hooks?challenge=abc"), (200, answered))],
        Some(Handshake::XCrc) => vec![
            Case::one("handshake", get("/hooks?crc_token=OGQzYzJiMWE&nonce=MTc2"), (200, answered)),
            Case::one("handshake, a token that is not base64", get("/hooks?crc_token=%7B%22a%22%7D"), (400, None)),
        ],
        Some(Handshake::WooCommercePing) => {
            let ping =
                Req { method: "POST", uri: "/hooks".into(), headers: vec![], body: Bytes::from("webhook_id=12") };
            vec![Case::one("handshake", ping, (200, answered))]
        }
        Some(Handshake::IntercomHead) => {
            vec![Case::one("handshake", Req { method: "HEAD", ..get("/hooks") }, (200, answered))]
        }
        _ => Vec::new(),
    }
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
            let line = RequestLine::post().url(URL);
            let verified = verifier().verify_request(line, &first.headers, &first.body, SystemTime::now()).unwrap();
            let store = MemoryStore::new();
            let key = IdempotencyKey::new("/hooks", verified.delivery_id());
            // 30.5 s: `Retry-After` (whole seconds of what is left) is 30 for both adapters,
            // whichever millisecond each request lands in.
            assert!(matches!(store.claim(&key, Duration::from_millis(30_500)).await.unwrap(), Claim::Acquired(_)));
            BoxedStore::new(store)
        }
    };
    Endpoint::builder("/hooks", verifier())
        .store(store)
        .max_body_bytes(LIMIT)
        .public_url(URL)
        .verify_token(VERIFY_TOKEN)
        .build()
        .unwrap()
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
        let mut b = axum::http::Request::builder().method(req.method).uri(&req.uri);
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        let res = app.clone().oneshot(b.body(Body::from(req.body.clone())).unwrap()).await.unwrap();
        let status = res.status().as_u16();
        let header = ["hookgate-duplicate", "retry-after", "allow", "hookgate-handshake"]
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
        let mut b = test::TestRequest::default().method(req.method.parse().unwrap()).uri(&req.uri);
        for (k, v) in &req.headers {
            b = b.insert_header((k.as_str(), v.as_str()));
        }
        let res = test::call_service(&app, b.set_payload(req.body.clone()).to_request()).await;
        let status = res.status().as_u16();
        let header = ["hookgate-duplicate", "retry-after", "allow", "hookgate-handshake"]
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
