//! Known-answer vectors for the presets, one JSON file per provider in `tests/vectors/`: a valid
//! request made (or accepted) by the provider's official SDK where there is one, else its
//! documented recipe; each file names its source. For each: the valid request verifies with the
//! expected id, event type and timestamp; a tampered body, a wrong secret and (where the scheme
//! has one) a stale timestamp are refused for the right reason; hookgate's own signer makes a
//! request that verifies; and the provider's handshakes get the expected answer.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hookgate_core::{
    Algorithm, Endpoint, FixedClock, Head, Preset, RequestLine, Scheme, Secret, SignOptions, Verifier, VerifyErrorKind,
    full_body,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vector {
    provider: String,
    doc: String,
    source: String,
    secret: String,
    wrong_secret: Option<String>,
    signing_key: Option<String>,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
    now: u64,
    expect: Expect,
    handshakes: Vec<HandshakeCase>,
}

#[derive(Deserialize)]
struct Expect {
    delivery_id: Option<String>,
    event_type: Option<String>,
    timestamp: Option<i64>,
}

#[derive(Deserialize)]
struct HandshakeCase {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
    verify_token: Option<String>,
    status: u16,
    content_type: Option<String>,
    response_body: Option<String>,
}

/// The presets pinned in `tests/vectors.rs` by published examples instead.
const PINNED_ELSEWHERE: [Preset; 11] = [
    Preset::StandardWebhooks,
    Preset::Svix,
    Preset::Stripe,
    Preset::Github,
    Preset::Slack,
    Preset::Shopify,
    Preset::Primebot,
    Preset::Promptha,
    Preset::Pollybot,
    Preset::Twabot,
    Preset::Sendpilot,
];

fn vectors() -> Vec<(Preset, Vector)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let v: Vector = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert!(!v.doc.is_empty() && !v.source.is_empty(), "{}: names its document and source", path.display());
        out.push((Preset::from_name(&v.provider).unwrap(), v));
    }
    out.sort_by_key(|(p, _)| p.name());
    out
}

fn at(s: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(s)
}

/// The URL without its query: what `public_url` is configured as.
fn base(url: &str) -> &str {
    url.split('?').next().unwrap()
}

fn target(url: &str) -> &str {
    let rest = url.split_once("://").unwrap().1;
    rest.find('/').map_or("/", |i| &rest[i..])
}

fn verifier(preset: Preset, secret: &str) -> Verifier {
    Verifier::for_preset(preset, &[secret]).unwrap_or_else(|e| panic!("{preset}: {e}"))
}

fn verify(v: &Vector, verifier: &Verifier, body: &str, now: u64) -> Result<hookgate_core::Verified, VerifyErrorKind> {
    let line = RequestLine { method: &v.method, url: Some(&v.url) };
    verifier.verify_request(line, &v.headers, body.as_bytes(), at(now)).map_err(|e| e.kind())
}

#[test]
fn every_preset_has_a_vector() {
    let have: Vec<Preset> = vectors().into_iter().map(|(p, _)| p).collect();
    for p in Preset::ALL {
        assert!(have.contains(&p) || PINNED_ELSEWHERE.contains(&p), "{p} has no vector");
    }
    assert!(Preset::ALL.len() >= 40);
}

#[test]
fn the_valid_request_verifies_with_its_metadata() {
    for (preset, v) in vectors() {
        let ok = verify(&v, &verifier(preset, &v.secret), &v.body, v.now).unwrap_or_else(|e| panic!("{preset}: {e:?}"));
        match &v.expect.delivery_id {
            Some(id) => assert_eq!(ok.delivery_id(), id, "{preset}"),
            None => assert!(ok.delivery_id().starts_with("sha256:") && !ok.id_from_provider(), "{preset}"),
        }
        assert_eq!(ok.event_type(), v.expect.event_type.as_deref(), "{preset}");
        assert_eq!(ok.timestamp(), v.expect.timestamp, "{preset}");
    }
}

/// Tampering with what the scheme signs is refused: the body, or for Mailgun (whose body is not
/// signed) the signed token. GitLab's token covers nothing, which the test states.
#[test]
fn a_tampered_request_is_refused() {
    for (preset, v) in vectors() {
        let verifier = verifier(preset, &v.secret);
        let scheme = verifier.scheme();
        let tampered = match preset {
            Preset::Mailgun => {
                v.body.replacen("\"token\": \"", "\"token\": \"x", 1).replacen("\"token\":\"", "\"token\":\"x", 1)
            }
            Preset::Twilio => v.body.replacen('=', "=x", 1),
            _ => v.body.replacen(|c: char| c.is_ascii_alphanumeric(), "Z", 1),
        };
        assert_ne!(tampered, v.body, "{preset}");
        let result = verify(&v, &verifier, &tampered, v.now).map(|_| ());
        if scheme.algorithm() == Algorithm::Token {
            assert!(result.is_ok(), "{preset}: a shared token covers no content");
        } else {
            assert_eq!(result, Err(VerifyErrorKind::SignatureMismatch), "{preset}");
        }
    }
}

#[test]
fn a_wrong_secret_is_refused() {
    for (preset, v) in vectors() {
        let scheme = preset.scheme();
        let wrong = match (&v.wrong_secret, scheme.algorithm()) {
            (Some(w), _) => w.clone(),
            (None, Algorithm::Ed25519 | Algorithm::EcdsaP256) => {
                panic!("{preset}: a public-key vector needs wrong_secret")
            }
            (None, _) => format!("{}x", v.secret),
        };
        let result = verify(&v, &verifier(preset, &wrong), &v.body, v.now).map(|_| ());
        assert_eq!(result, Err(VerifyErrorKind::SignatureMismatch), "{preset}");
    }
}

#[test]
fn a_stale_timestamp_is_refused_where_the_scheme_has_one() {
    for (preset, v) in vectors() {
        let verifier = verifier(preset, &v.secret);
        let later = v.now + 3600;
        let result = verify(&v, &verifier, &v.body, later).map(|_| ());
        if verifier.scheme().enforces_timestamp() {
            assert_eq!(result, Err(VerifyErrorKind::Stale), "{preset}");
        } else {
            assert!(result.is_ok(), "{preset}: no enforced timestamp, so an hour later still verifies");
        }
    }
}

/// hookgate's own signer (the `test-util` feature, `hookgate sign`) makes requests that verify,
/// with the vector's id, timestamp and URL.
#[test]
fn hookgate_signs_what_it_verifies() {
    for (preset, v) in vectors() {
        let scheme: Scheme = preset.scheme();
        let key = v.signing_key.as_deref().unwrap_or(&v.secret);
        let secret = match scheme.algorithm() {
            Algorithm::Ed25519 => {
                // Discord's portal shows a public key; its signing key is the seed, here in hex.
                let seed: [u8; 32] = hex::decode(key).unwrap().try_into().unwrap();
                let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
                let full = [seed.as_slice(), sk.verifying_key().as_bytes()].concat();
                Secret::for_scheme(&scheme, &hex::encode(full)).unwrap()
            }
            _ => Secret::for_scheme(&scheme, key).unwrap_or_else(|e| panic!("{preset}: {e}")),
        };
        let header = |name: &str| v.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, x)| x.as_str());
        let id = match scheme.id_source() {
            hookgate_core::IdSource::Header(h) | hookgate_core::IdSource::OptionalHeader(h) => header(h),
            _ => None,
        };
        let event = match scheme.event_type_source() {
            hookgate_core::EventTypeSource::Header(h) => header(h),
            _ => None,
        };
        let opts = SignOptions {
            id,
            timestamp: Some(v.now as i64),
            event_type: event,
            url: Some(&v.url),
            method: Some(&v.method),
        };
        let (body, headers) = scheme.sign_body(&secret, v.body.as_bytes(), &opts).unwrap();
        let verifier = verifier(preset, &v.secret);
        let line = RequestLine { method: &v.method, url: Some(&v.url) };
        let ok = verifier.verify_request(line, &headers, &body, at(v.now)).unwrap_or_else(|e| panic!("{preset}: {e}"));
        assert_eq!(ok.event_type(), v.expect.event_type.as_deref(), "{preset}");
    }
}

#[tokio::test]
async fn handshakes_are_answered_by_the_core() {
    let mut seen = 0;
    for (preset, v) in vectors() {
        for h in &v.handshakes {
            let mut builder = Endpoint::builder(preset.name(), verifier(preset, &v.secret))
                .clock(FixedClock(at(v.now)))
                .public_url(base(&v.url));
            if let Some(token) = &h.verify_token {
                builder = builder.verify_token(token);
            }
            let endpoint = builder.build().unwrap();
            let (tx, mut rx) = hookgate_core::channel(4);
            let head = Head { method: &h.method, uri: target(&h.url), headers: &h.headers[..] };
            let outcome = endpoint.quick_ack(&head, full_body(h.body.clone()), &tx).await;
            assert_eq!(outcome.status(), h.status, "{preset} {}: {outcome:?}", h.method);
            if let Some(ct) = &h.content_type {
                assert_eq!(outcome.content_type().split(';').next(), Some(ct.as_str()), "{preset}");
            }
            if let Some(body) = h.response_body.as_deref().filter(|b| !b.is_empty()) {
                let got: &[u8] = &outcome.body();
                let same_json = serde_json::from_slice::<serde_json::Value>(got).ok()
                    == serde_json::from_str::<serde_json::Value>(body).ok();
                assert!(got == body.as_bytes() || same_json, "{preset}: {:?}", String::from_utf8_lossy(got));
            }
            assert!(rx.try_recv().is_err(), "{preset}: a handshake is never handed off");
            seen += 1;
        }
    }
    assert!(seen >= 6, "handshake cases: {seen}");
}

/// Mailgun signs `{timestamp}{token}` with nothing between them: moving characters between the
/// two, or dropping the timestamp into the token, keeps the signature. The timestamp is required
/// and enforced, so neither forgery passes.
#[test]
fn mailgun_timestamp_and_token_cannot_trade_characters() {
    let (_, v) = vectors().into_iter().find(|(p, _)| *p == Preset::Mailgun).unwrap();
    let verifier = verifier(Preset::Mailgun, &v.secret);
    let body: serde_json::Value = serde_json::from_str(&v.body).unwrap();
    let (ts, token) = (body["signature"]["timestamp"].as_str().unwrap(), body["signature"]["token"].as_str().unwrap());
    let forged = |timestamp: Option<String>, token: String| {
        let mut b = body.clone();
        match timestamp {
            Some(t) => b["signature"]["timestamp"] = t.into(),
            None => {
                b["signature"].as_object_mut().unwrap().remove("timestamp");
            }
        }
        b["signature"]["token"] = token.into();
        verify(&v, &verifier, &b.to_string(), v.now).map(|_| ())
    };
    // The whole timestamp moved into the token.
    assert_eq!(forged(None, format!("{ts}{token}")), Err(VerifyErrorKind::MalformedBody));
    // The first character of the token moved into the timestamp, and the reverse.
    let (first, rest) = token.split_at(1);
    assert!(forged(Some(format!("{ts}{first}")), rest.to_owned()).is_err());
    let (head, last) = ts.split_at(ts.len() - 1);
    assert!(forged(Some(head.to_owned()), format!("{last}{token}")).is_err());
}

/// X's CRC answer is the HMAC of the token: it must never verify as a delivery of that text.
#[tokio::test]
async fn an_x_crc_answer_never_signs_a_delivery() {
    let secret = "consumer-secret";
    let endpoint = Endpoint::builder("x", verifier(Preset::X, secret)).build().unwrap();
    let (tx, mut rx) = hookgate_core::channel(4);
    let token = "OGQzYzJiMWE";
    let head = Head { method: "GET", uri: "/x?crc_token=OGQzYzJiMWE", headers: &[] as &[(&str, &str)] };
    let outcome = endpoint.quick_ack(&head, full_body(""), &tx).await;
    assert_eq!(outcome.status(), 200);
    let answer: serde_json::Value = serde_json::from_slice(&outcome.body()).unwrap();
    let signature = answer["response_token"].as_str().unwrap().to_owned();
    let headers = [("x-twitter-webhooks-signature", signature.as_str())];
    let forged = Head { method: "POST", uri: "/x", headers: &headers[..] };
    let outcome = endpoint.quick_ack(&forged, full_body(token), &tx).await;
    assert_eq!(outcome.status(), 400, "{outcome:?}");
    assert!(rx.try_recv().is_err());
}
