//! hookgate-core beside the Rust verifiers people use today, and beside the floor (a bare
//! HMAC-SHA256 of the same signed bytes with a precomputed key):
//!
//! - a Standard-Webhooks-signed payload: hookgate vs the `standardwebhooks` crate, the `svix`
//!   crate's `Webhook::verify`, and `webhook-verify`'s Standard Webhooks provider;
//! - GitHub- and Stripe-signed payloads: hookgate vs `webhook-verify`.
//!
//! Every implementation reads the same `http::HeaderMap` and body, checks the same timestamp
//! against the real clock, and must accept. 1 KiB and 64 KiB bodies.
//!
//! Two more tables, in the same interleaved rounds:
//! - every preset's `verify` on a 1 KiB delivery beside the `standardwebhooks` and `svix` crates
//!   verifying their own scheme on a 1 KiB body (the ratio is how many times faster hookgate is);
//! - the providers `webhook-verify` also knows (Square, Twilio, Linear, Zoom, Dropbox, Discord,
//!   SendGrid), both verifying the same request: the known-answer vector of that provider, at the
//!   vector's own "now".
//!
//! `cargo bench --manifest-path bench/peers/Cargo.toml` runs rounds in which every row of a payload runs
//! back to back (the machine is shared and drifts), and prints per-call medians over the rounds
//! and the median of the per-round ratios to the floor. `PEERS_CRITERION=1 cargo bench
//! --manifest-path bench/peers/Cargo.toml` runs the same closures under criterion instead.

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use hookgate_core::{Preset, RequestLine, Secret, SignOptions, TestRequest, Verifier, example_secret};
use hookgate_tower::HttpHeaders;
use http::{HeaderMap, HeaderName, HeaderValue};
use sha2::Sha256;

const SW_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const HMAC_SECRET: &str = "a-32-character-secret-for-bench!";
const ROUNDS: usize = 31;

fn body(size: usize) -> Vec<u8> {
    let mut b = br#"{"id":"evt_1NtdFaLkdIwHu7ix","type":"invoice.paid","data":{"note":""#.to_vec();
    while b.len() < size - 3 {
        b.push(b'a' + (b.len() % 26) as u8);
    }
    b.extend_from_slice(b"\"}}");
    b
}

fn header_map(pairs: Vec<(String, String)>) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert("content-type", HeaderValue::from_static("application/json"));
    map.insert("user-agent", HeaderValue::from_static("Bench/1.0"));
    for (k, v) in pairs {
        map.insert(HeaderName::try_from(k).unwrap(), HeaderValue::try_from(v).unwrap());
    }
    map
}

fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

type Case = (&'static str, Box<dyn FnMut()>);

/// The rows of one payload: the floor first, then hookgate, then the peers.
fn cases(payload: &'static str, size: usize) -> Vec<Case> {
    let body = body(size);
    let ts = now_unix();
    let opts = SignOptions {
        id: Some("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"),
        timestamp: Some(ts),
        event_type: Some("push"),
        ..Default::default()
    };
    let preset = match payload {
        "standard-webhooks" => Preset::StandardWebhooks,
        "github" => Preset::Github,
        _ => Preset::Stripe,
    };
    let text = if preset == Preset::StandardWebhooks { SW_SECRET } else { HMAC_SECRET };
    let scheme = preset.scheme();
    let secret = Secret::for_scheme(&scheme, text).unwrap();
    let headers = header_map(scheme.sign(&secret, &body, &opts).unwrap());
    let hookgate = Verifier::new(scheme, secret);

    // The floor: the exact bytes the provider signs, one HMAC with a precomputed key.
    let signed: Vec<u8> = match preset {
        Preset::StandardWebhooks => [format!("{}.{ts}.", opts.id.unwrap()).into_bytes(), body.clone()].concat(),
        Preset::Stripe => [format!("{ts}.").into_bytes(), body.clone()].concat(),
        _ => body.clone(),
    };
    let key_bytes = if preset == Preset::StandardWebhooks {
        base64::engine::general_purpose::STANDARD.decode(&SW_SECRET[6..]).unwrap()
    } else {
        HMAC_SECRET.as_bytes().to_vec()
    };
    let floor = Hmac::<Sha256>::new_from_slice(&key_bytes).unwrap();

    let mut rows: Vec<Case> = Vec::new();
    {
        let (floor, signed) = (floor.clone(), signed.clone());
        rows.push((
            "bare HMAC-SHA256 (floor)",
            Box::new(move || {
                let mut m = floor.clone();
                m.update(black_box(&signed));
                black_box(m.finalize().into_bytes());
            }),
        ));
    }
    {
        let (h, b) = (headers.clone(), body.clone());
        let v = Verifier::new(hookgate.scheme().clone(), Secret::for_scheme(hookgate.scheme(), text).unwrap());
        rows.push((
            "hookgate authenticate",
            Box::new(move || {
                let hdrs = HttpHeaders(black_box(&h));
                let ok = v.authenticate(&hdrs, black_box(&b), SystemTime::now()).unwrap();
                black_box(ok);
            }),
        ));
    }
    {
        let (h, b) = (headers.clone(), body.clone());
        rows.push((
            "hookgate verify (+ id, type)",
            Box::new(move || {
                black_box(hookgate.verify(&HttpHeaders(black_box(&h)), black_box(&b), SystemTime::now()).unwrap());
            }),
        ));
    }
    if preset == Preset::StandardWebhooks {
        let (h, b) = (headers.clone(), body.clone());
        let wh = standardwebhooks::Webhook::new(SW_SECRET).unwrap();
        rows.push(("standardwebhooks 1.0", Box::new(move || wh.verify(black_box(&b), black_box(&h)).unwrap())));
        let (h, b) = (headers.clone(), body.clone());
        let wh = svix::webhooks::Webhook::new(SW_SECRET).unwrap();
        rows.push(("svix 1.x webhooks", Box::new(move || wh.verify(black_box(&b), black_box(&h)).unwrap())));
    }
    let provider = match preset {
        Preset::StandardWebhooks => webhook_verify::Provider::StandardWebhooks,
        Preset::Github => webhook_verify::Provider::GitHub,
        _ => webhook_verify::Provider::Stripe,
    };
    let (h, b) = (headers, body);
    let wv_secret = webhook_verify::Secret::new(text);
    rows.push((
        "webhook-verify 0.1",
        Box::new(move || {
            webhook_verify::verify(
                provider,
                black_box(&h),
                black_box(&b),
                &wv_secret,
                webhook_verify::VerifyOptions::default(),
            )
            .unwrap()
        }),
    ));
    rows
}

fn per_call(iters: u32, f: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_nanos() as f64 / f64::from(iters)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

const PAYLOADS: [&str; 3] = ["standard-webhooks", "github", "stripe"];
const SIZES: [usize; 2] = [1024, 64 * 1024];

/// A per-call time as the tables show it.
fn shown(t: f64) -> String {
    if t >= 10_000.0 { format!("{:.1} µs", t / 1000.0) } else { format!("{t:.0} ns") }
}

fn label(size: usize) -> &'static str {
    if size == 1024 { "1 KiB" } else { "64 KiB" }
}

fn interleaved() {
    println!("| payload | body | implementation | median per call | / floor (median of per-round ratios) |");
    println!("|---|---|---|---|---|");
    for size in SIZES {
        for payload in PAYLOADS {
            let mut rows = cases(payload, size);
            let stats = rounds(&mut rows, if size == 1024 { 2000 } else { 40 });
            for ((name, _), (t, ratio)) in rows.iter().zip(stats) {
                println!("| {payload} | {} | {name} | {} | {ratio:.2}x |", label(size), shown(t));
            }
        }
    }
}

fn with_criterion() {
    let mut c = criterion::Criterion::default().configure_from_args();
    for size in SIZES {
        for payload in PAYLOADS {
            let mut group = c.benchmark_group(format!("{payload}/{}", label(size)));
            for (name, mut f) in cases(payload, size) {
                group.bench_function(name, |b| b.iter(&mut f));
            }
            group.finish();
        }
    }
    c.final_summary();
}

/// `PEERS_ONE="github/hookgate authenticate/20000"`: runs one row of the 1 KiB payload that many
/// times and nothing else, for `valgrind --tool=callgrind` (two counts give instructions per call);
/// `PEERS_ONE="preset:zendesk/authenticate/20000"` (or `/verify/`) one preset of table 2b.
fn one(spec: &str) {
    let mut it = spec.splitn(3, '/');
    let (payload, row, n) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap().parse::<u32>().unwrap());
    // `preset:NAME/authenticate/N`: a preset's row of table 2b.
    if let Some(name) = payload.strip_prefix("preset:") {
        let p = Preset::from_name(name).unwrap();
        let req = TestRequest::signed(p, example_secret(p), shaped_body(p)).url(URL).id("msg_1").event_type("e");
        let (h, b) = (header_map(req.headers().to_vec()), req.bytes().clone());
        let v = Verifier::for_preset(p, &[example_secret(p)]).unwrap();
        let line = RequestLine::post().url(URL);
        for _ in 0..n {
            if row == "authenticate" {
                black_box(v.authenticate_request(line, &HttpHeaders(&h), &b, SystemTime::now()).unwrap());
            } else {
                black_box(v.verify_request(line, &HttpHeaders(&h), &b, SystemTime::now()).unwrap());
            }
        }
        return;
    }
    let payload = PAYLOADS.into_iter().find(|p| *p == payload).expect("payload");
    let (_, mut f) = cases(payload, 1024).into_iter().find(|(name, _)| name.starts_with(row)).expect("row");
    for _ in 0..n {
        f();
    }
}

/// Runs `rows` in `ROUNDS` interleaved rounds: per-call medians, and the median per-round ratio
/// of each row to row 0 (`ROUNDS` is odd, so the median of the inverse ratios is the inverse).
fn rounds(rows: &mut [Case], iters: u32) -> Vec<(f64, f64)> {
    let mut times = vec![Vec::new(); rows.len()];
    let mut ratios = vec![Vec::new(); rows.len()];
    for _ in 0..ROUNDS {
        let per: Vec<f64> = rows.iter_mut().map(|(_, f)| per_call(iters, f.as_mut())).collect();
        for (i, t) in per.iter().enumerate() {
            times[i].push(*t);
            ratios[i].push(t / per[0]);
        }
    }
    (0..rows.len()).map(|i| (median(times[i].clone()), median(ratios[i].clone()))).collect()
}

const URL: &str = "https://example.com/webhooks";

/// A 1 KiB body of `p`'s real shape: its known-answer vector's body (or, for the first eleven,
/// a delivery with every field they read), padded at the end to 1 KiB.
fn shaped_body(p: Preset) -> Vec<u8> {
    let path = format!("{}/../../crates/hookgate-core/tests/vectors/{}.json", env!("CARGO_MANIFEST_DIR"), p.name());
    let text = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["body"].as_str().unwrap().to_owned(),
        Err(_) => String::from_utf8(TestRequest::delivery(p, example_secret(p), "msg_1").bytes().to_vec()).unwrap(),
    };
    let pad = 1024usize.saturating_sub(text.len());
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(_)) if pad > 20 => {
            let fill = "a".repeat(pad - 16);
            format!("{},\"padding\":\"{fill}\"}}", text.trim_end().trim_end_matches('}'))
        }
        Ok(_) => text,
        Err(_) if pad > 10 => format!("{text}&Padding={}", "a".repeat(pad - 9)),
        Err(_) => text,
    }
    .into_bytes()
}

/// The `standardwebhooks` and `svix` crates verifying their own scheme over `body`.
fn standard_webhooks_rows(body: &[u8]) -> [Case; 2] {
    let scheme = Preset::StandardWebhooks.scheme();
    let secret = Secret::for_scheme(&scheme, SW_SECRET).unwrap();
    let opts = SignOptions { id: Some("msg_1"), timestamp: Some(now_unix()), ..Default::default() };
    let headers = header_map(scheme.sign(&secret, body, &opts).unwrap());
    let (h, b) = (headers.clone(), body.to_vec());
    let wh = standardwebhooks::Webhook::new(SW_SECRET).unwrap();
    let sw: Case = ("standardwebhooks 1.0", Box::new(move || wh.verify(black_box(&b), black_box(&h)).unwrap()));
    let (h, b) = (headers, body.to_vec());
    let wh = svix::webhooks::Webhook::new(SW_SECRET).unwrap();
    let svix: Case = ("svix 1.x webhooks", Box::new(move || wh.verify(black_box(&b), black_box(&h)).unwrap()));
    [sw, svix]
}

/// Every preset verifying a signed delivery of its own shape, about 1 KiB (the signature check
/// alone, and the full `verify` with id and event type), beside the `standardwebhooks` and `svix`
/// crates verifying their own scheme over the same body bytes, in the same rounds.
fn every_preset() {
    println!(
        "\n| preset (its own shape, ~1 KiB) | algorithm | body | authenticate | x faster than standardwebhooks / svix | verify (+ id, type) | x faster than standardwebhooks / svix |"
    );
    println!("|---|---|---|---|---|---|---|");
    for p in Preset::ALL {
        let req = TestRequest::signed(p, example_secret(p), shaped_body(p)).url(URL).id("msg_1").event_type("e");
        let (h, b) = (header_map(req.headers().to_vec()), req.bytes().clone());
        let v = Verifier::for_preset(p, &[example_secret(p)]).unwrap();
        let line = RequestLine::post().url(URL);
        v.verify_request(line, &HttpHeaders(&h), &b, SystemTime::now()).unwrap_or_else(|e| panic!("{p}: {e}"));
        let [sw, svix] = standard_webhooks_rows(&b);
        let (h2, b2, v2) = (h.clone(), b.clone(), v.clone());
        let len = b.len();
        let mut rows: Vec<Case> = vec![
            sw,
            svix,
            (
                "authenticate",
                Box::new(move || {
                    let hdrs = HttpHeaders(black_box(&h2));
                    black_box(v2.authenticate_request(line, &hdrs, black_box(&b2), SystemTime::now()).unwrap());
                }),
            ),
            (
                "verify",
                Box::new(move || {
                    black_box(
                        v.verify_request(line, &HttpHeaders(black_box(&h)), black_box(&b), SystemTime::now()).unwrap(),
                    );
                }),
            ),
        ];
        let slow = matches!(p.scheme().algorithm().name(), "ed25519" | "ecdsa-p256");
        let stats = rounds(&mut rows, if slow { 50 } else { 2000 });
        // stats[i].1 is row i / row 0 (standardwebhooks): its inverse is how many times faster row
        // i is; svix / row i from the medians.
        let (svix, a, f) = (stats[1].0, stats[2], stats[3]);
        println!(
            "| {} | {} | {len} B | {} | {:.2}x / {:.2}x | {} | {:.2}x / {:.2}x |",
            p.name(),
            p.scheme().algorithm().name(),
            shown(a.0),
            1.0 / a.1,
            svix / a.0,
            shown(f.0),
            1.0 / f.1,
            svix / f.0
        );
    }
}

/// A provider's known-answer vector, as the bench reads it.
struct Vector {
    secret: String,
    url: String,
    headers: HeaderMap,
    body: Vec<u8>,
    now: u64,
}

fn vector(name: &str) -> Vector {
    let path = format!("{}/../../crates/hookgate-core/tests/vectors/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let text = |k: &str| v[k].as_str().unwrap().to_owned();
    let pairs = v["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_ascii_lowercase(), p[1].as_str().unwrap().to_owned()));
    let mut headers = HeaderMap::new();
    for (k, val) in pairs {
        headers.append(HeaderName::try_from(k).unwrap(), HeaderValue::try_from(val).unwrap());
    }
    Vector {
        secret: text("secret"),
        url: text("url"),
        headers,
        body: text("body").into_bytes(),
        now: v["now"].as_u64().unwrap(),
    }
}

struct At(u64);
impl webhook_verify::Clock for At {
    fn now(&self) -> u64 {
        self.0
    }
}

/// hookgate and `webhook-verify` on the same vectors, for the providers both know.
fn shared_vectors() {
    use webhook_verify::Provider as W;
    let shared = [
        (Preset::Square, W::Square),
        (Preset::Twilio, W::Twilio),
        (Preset::Linear, W::Linear),
        (Preset::Zoom, W::Zoom),
        (Preset::Dropbox, W::Dropbox),
        (Preset::Discord, W::Discord),
        (Preset::Sendgrid, W::SendGrid),
    ];
    println!(
        "\n| provider (its vector) | body | webhook-verify 0.1 | hookgate authenticate | x faster | hookgate verify (+ id, type) | x faster |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (preset, provider) in shared {
        let v = vector(preset.name());
        let at = UNIX_EPOCH + std::time::Duration::from_secs(v.now);
        let hookgate = Verifier::for_preset(preset, &[&v.secret]).unwrap();
        let mut opts = webhook_verify::VerifyOptions::default()
            .with_clock(Some(std::sync::Arc::new(At(v.now))))
            .with_request_url(v.url.clone());
        if preset == Preset::Twilio {
            opts = opts.with_form_params(form_urlencoded::parse(&v.body).into_owned().collect::<Vec<_>>());
        }
        let wv_secret = if preset == Preset::Sendgrid {
            let der = base64::engine::general_purpose::STANDARD.decode(&v.secret).unwrap();
            opts = opts.with_verifying_material(webhook_verify::VerifyingKeyMaterial::EcdsaP256PublicKey(der));
            webhook_verify::Secret::new("unused")
        } else {
            webhook_verify::Secret::new(v.secret.as_str())
        };
        let (h, b, url) = (v.headers.clone(), v.body.clone(), v.url.clone());
        let line_url: &'static str = Box::leak(url.into_boxed_str());
        hookgate.verify_request(RequestLine::post().url(line_url), &HttpHeaders(&h), &b, at).unwrap();
        webhook_verify::verify(provider, &v.headers, &v.body, &wv_secret, opts.clone()).unwrap();
        let mut rows: Vec<Case> = vec![
            (
                "webhook-verify",
                Box::new(move || {
                    // Twilio's form parameters are the caller's to parse: part of the work.
                    let mut opts = opts.clone();
                    if preset == Preset::Twilio {
                        opts = opts.with_form_params(
                            form_urlencoded::parse(black_box(&v.body)).into_owned().collect::<Vec<_>>(),
                        );
                    }
                    webhook_verify::verify(provider, black_box(&v.headers), black_box(&v.body), &wv_secret, opts)
                        .unwrap();
                }),
            ),
            (
                "hookgate authenticate",
                Box::new({
                    let (h, b, hookgate) = (h.clone(), b.clone(), hookgate.clone());
                    move || {
                        let line = RequestLine::post().url(line_url);
                        let hdrs = HttpHeaders(black_box(&h));
                        black_box(hookgate.authenticate_request(line, &hdrs, black_box(&b), at).unwrap());
                    }
                }),
            ),
            (
                "hookgate verify",
                Box::new(move || {
                    let line = RequestLine::post().url(line_url);
                    black_box(hookgate.verify_request(line, &HttpHeaders(black_box(&h)), black_box(&b), at).unwrap());
                }),
            ),
        ];
        let len = rows.len();
        let stats = rounds(&mut rows[..len], 2000);
        println!(
            "| {} | {} B | {} | {} | {:.2}x | {} | {:.2}x |",
            preset.name(),
            vector(preset.name()).body.len(),
            shown(stats[0].0),
            shown(stats[1].0),
            1.0 / stats[1].1,
            shown(stats[2].0),
            1.0 / stats[2].1
        );
    }
}

fn main() {
    if std::env::var("PEERS_TABLES").is_ok_and(|v| v == "presets") {
        if std::env::var("PEERS_SKIP_EVERY").is_err() {
            every_preset();
        }
        shared_vectors();
        return;
    }
    if let Ok(spec) = std::env::var("PEERS_ONE") {
        one(&spec);
    } else if std::env::var("PEERS_CRITERION").is_ok_and(|v| v == "1") {
        with_criterion();
    } else {
        interleaved();
        every_preset();
        shared_vectors();
    }
}
