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
//! `cargo bench --manifest-path bench/peers/Cargo.toml` runs rounds in which every row of a payload runs
//! back to back (the machine is shared and drifts), and prints per-call medians over the rounds
//! and the median of the per-round ratios to the floor. `PEERS_CRITERION=1 cargo bench
//! --manifest-path bench/peers/Cargo.toml` runs the same closures under criterion instead.

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use hookgate_core::{Preset, Secret, SignOptions, Verifier};
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
    let opts =
        SignOptions { id: Some("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"), timestamp: Some(ts), event_type: Some("push"), ..Default::default() };
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
        let v =
            Verifier::new(hookgate.scheme().clone(), Secret::for_scheme(&hookgate.scheme(), text).unwrap());
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
                provider.clone(),
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

fn label(size: usize) -> &'static str {
    if size == 1024 { "1 KiB" } else { "64 KiB" }
}

fn interleaved() {
    println!("| payload | body | implementation | median per call | / floor (median of per-round ratios) |");
    println!("|---|---|---|---|---|");
    for size in SIZES {
        for payload in PAYLOADS {
            let mut rows = cases(payload, size);
            let iters = if size == 1024 { 2000 } else { 40 };
            let mut times = vec![Vec::new(); rows.len()];
            let mut ratios = vec![Vec::new(); rows.len()];
            for _ in 0..ROUNDS {
                let per: Vec<f64> = rows.iter_mut().map(|(_, f)| per_call(iters, f.as_mut())).collect();
                for (i, t) in per.iter().enumerate() {
                    times[i].push(*t);
                    ratios[i].push(t / per[0]);
                }
            }
            for (i, (name, _)) in rows.iter().enumerate() {
                let t = median(times[i].clone());
                let shown = if t >= 10_000.0 { format!("{:.1} µs", t / 1000.0) } else { format!("{t:.0} ns") };
                println!("| {payload} | {} | {name} | {shown} | {:.2}x |", label(size), median(ratios[i].clone()));
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
/// times and nothing else, for `valgrind --tool=callgrind` (two counts give instructions per call).
fn one(spec: &str) {
    let mut it = spec.splitn(3, '/');
    let (payload, row, n) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap().parse::<u32>().unwrap());
    let payload = PAYLOADS.into_iter().find(|p| *p == payload).expect("payload");
    let (_, mut f) = cases(payload, 1024).into_iter().find(|(name, _)| name.starts_with(row)).expect("row");
    for _ in 0..n {
        f();
    }
}

fn main() {
    if let Ok(spec) = std::env::var("PEERS_ONE") {
        one(&spec);
    } else if std::env::var("PEERS_CRITERION").is_ok_and(|v| v == "1") {
        with_criterion();
    } else {
        interleaved();
    }
}
