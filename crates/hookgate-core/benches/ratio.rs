//! `cargo bench -p hookgate-core --bench ratio`
//!
//! Side-by-side ratios on a noisy, shared machine: in each round the bare HMAC-SHA256 floor,
//! `authenticate` (the security decision) and `verify` (plus metadata extraction) run back to
//! back on the same bytes; the table shows per-call medians over the rounds and the median of the
//! per-round ratios, which cancels most of the machine's drift.
//!
//! `RATIO_ONE=github/20000` runs one preset's 1 KiB `authenticate` (or `floor/20000`, the bare
//! HMAC, or `by-hand-github/20000`, a hand-written calibration check) that many times and nothing
//! else, for instruction counts under callgrind.

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use hookgate_core::{Preset, Secret, SignOptions, Verifier};
use sha2::Sha256;

#[path = "verify.rs"]
#[allow(dead_code)]
mod shared;

const TS: i64 = 1_700_000_000;
const ROUNDS: usize = 41;

fn per_call(iters: u32, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_nanos() as f64 / f64::from(iters)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Calibration: the leanest GitHub check a careful user can write by hand (find the two headers,
/// strip `sha256=`, HMAC with a precomputed key, compare the lowercase hex of the MAC without
/// decoding the header) — no rotation, no several signatures, no uppercase hex, no error kinds.
/// Its ratio to the floor is the best any verifier can do here.
fn hand_written_github(headers: &[(String, String)], body: &[u8], key: &Hmac<Sha256>, _now: i64) -> bool {
    let find = |name| header(headers, name).map(str::as_bytes);
    let (Some(sig), Some(_id)) = (find("x-hub-signature-256"), find("x-github-delivery")) else {
        return false;
    };
    let Some(hex) = sig.strip_prefix(b"sha256=").filter(|h| h.len() == 64) else {
        return false;
    };
    let mut mac = key.clone();
    mac.update(body);
    lowercase_hex_matches(hex, &mac.finalize().into_bytes())
}

/// The first value of header `name` (any case), as the hand-written checks look it up.
fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Whether `hex` is the lowercase hex of `tag`, every digit compared whatever the contents (the
/// hand-written checks' comparison: no decoding).
fn lowercase_hex_matches(hex: &[u8], tag: &[u8]) -> bool {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut diff = 0u8;
    for (pair, &byte) in hex.chunks_exact(2).zip(tag) {
        diff |= (pair[0] ^ DIGITS[usize::from(byte >> 4)]) | (pair[1] ^ DIGITS[usize::from(byte & 15)]);
    }
    diff == 0
}

/// Calibration: the leanest Standard Webhooks check a careful user can write by hand (find the
/// three headers, parse the timestamp and check it is within 300 s, HMAC `id.timestamp.body` with a
/// precomputed key, base64 the MAC and compare it in constant time with each `v1,` entry) — no
/// rotation, no Ed25519, no error kinds, no length limits, `std`'s parsing.
fn hand_written_standard(headers: &[(String, String)], body: &[u8], key: &Hmac<Sha256>, now: i64) -> bool {
    use base64::Engine as _;
    use subtle::ConstantTimeEq as _;
    let find = |name| header(headers, name);
    let (Some(id), Some(ts), Some(sig)) = (find("webhook-id"), find("webhook-timestamp"), find("webhook-signature"))
    else {
        return false;
    };
    let Ok(t) = ts.parse::<i64>() else { return false };
    if (now - t).abs() > 300 {
        return false;
    }
    let mut mac = key.clone();
    for part in [id.as_bytes(), b".", ts.as_bytes(), b".", body] {
        mac.update(part);
    }
    let mut expected = [0u8; 44];
    base64::engine::general_purpose::STANDARD.encode_slice(mac.finalize().into_bytes(), &mut expected).unwrap();
    sig.split(' ')
        .filter_map(|e| e.strip_prefix("v1,"))
        .fold(false, |ok, s| ok | bool::from(s.as_bytes().ct_eq(&expected)))
}

/// Calibration: the leanest Stripe check a careful user can write by hand (split
/// `Stripe-Signature` on `,`, take `t=` and the `v1=` entries, check the timestamp is within 300 s,
/// HMAC `t.body`, compare the lowercase hex of the MAC with each `v1=` entry without decoding it).
fn hand_written_stripe(headers: &[(String, String)], body: &[u8], key: &Hmac<Sha256>, now: i64) -> bool {
    let Some(sig) = header(headers, "stripe-signature") else {
        return false;
    };
    let Some(t) = sig.split(',').find_map(|e| e.strip_prefix("t=")) else { return false };
    let Ok(ts) = t.parse::<i64>() else { return false };
    if (now - ts).abs() > 300 {
        return false;
    }
    let mut mac = key.clone();
    for part in [t.as_bytes(), b".", body] {
        mac.update(part);
    }
    let tag = mac.finalize().into_bytes();
    sig.split(',')
        .filter_map(|e| e.strip_prefix("v1="))
        .filter(|h| h.len() == 64)
        .fold(false, |ok, hex| ok | lowercase_hex_matches(hex.as_bytes(), &tag))
}

/// A hand-written check: headers, body, precomputed key, now (Unix seconds).
type HandCheck = fn(&[(String, String)], &[u8], &Hmac<Sha256>, i64) -> bool;

/// The hand-written calibration check for `p`, if there is one, with its precomputed key.
fn by_hand(p: Preset) -> Option<(Hmac<Sha256>, HandCheck)> {
    use base64::Engine as _;
    let key = |k: &[u8]| Hmac::<Sha256>::new_from_slice(k).unwrap();
    let text = shared::secret_text(p);
    Some(match p {
        Preset::Github => (key(text.as_bytes()), hand_written_github),
        Preset::Stripe => (key(text.as_bytes()), hand_written_stripe),
        Preset::StandardWebhooks => {
            let raw = base64::engine::general_purpose::STANDARD.decode(text.trim_start_matches("whsec_")).unwrap();
            (key(&raw), hand_written_standard)
        }
        _ => return None,
    })
}

/// The verifier and signed headers the table uses for preset `p` (1 KiB and 64 KiB rows alike).
fn signed(p: Preset, body: &[u8]) -> (Verifier, Vec<(String, String)>) {
    let scheme = p.scheme();
    let secret = Secret::parse(scheme.secret_format(), shared::secret_text(p)).unwrap();
    let opts =
        SignOptions { id: Some("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"), timestamp: Some(TS), event_type: Some("push") };
    let headers = scheme.sign(&secret, body, &opts).unwrap();
    (Verifier::new(scheme, secret), headers)
}

/// `RATIO_ONE="stripe/20000"` (or `floor/20000`): `authenticate` of that preset's 1 KiB row, that
/// many times and nothing else, for `valgrind --tool=callgrind` (the difference of two counts
/// gives instructions per call without the set-up).
fn one(spec: &str) {
    let (name, n) = spec.split_once('/').expect("preset/N");
    let n: u32 = n.parse().expect("N");
    let (body, now) = (shared::body(1024), UNIX_EPOCH + Duration::from_secs(TS as u64));
    if name == "floor" {
        let key = Hmac::<Sha256>::new_from_slice(b"a-32-character-secret-for-bench!").unwrap();
        for _ in 0..n {
            let mut m = key.clone();
            m.update(black_box(&body));
            black_box(m.finalize().into_bytes());
        }
        return;
    }
    if let Some(preset) = name.strip_prefix("by-hand-") {
        let p = Preset::ALL.into_iter().find(|p| p.name() == preset).expect("by-hand-<preset>");
        let (_, headers) = signed(p, &body);
        let (key, check) = by_hand(p).expect("github, stripe or standard-webhooks");
        for _ in 0..n {
            black_box(check(black_box(&headers), black_box(&body), &key, black_box(TS)));
        }
        return;
    }
    let p = Preset::ALL.into_iter().find(|p| p.name() == name).expect("a preset name, by-hand-<preset> or floor");
    let (v, headers) = signed(p, &body);
    for _ in 0..n {
        black_box(v.authenticate(black_box(&headers), black_box(&body), now).unwrap().secret_index());
    }
}

fn main() {
    if let Ok(spec) = std::env::var("RATIO_ONE") {
        return one(&spec);
    }
    let now = UNIX_EPOCH + Duration::from_secs(TS as u64);
    println!(
        "| preset | body | floor (ns) | authenticate (ns) | verify (ns) | authenticate / floor | verify / floor |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut calibration = Vec::new();
    for size in [1024usize, 64 * 1024] {
        let body = shared::body(size);
        let iters = if size == 1024 { 2000 } else { 40 };
        let floor_key = Hmac::<Sha256>::new_from_slice(b"a-32-character-secret-for-bench!").unwrap();
        for p in Preset::ALL {
            let (v, headers) = signed(p, &body);
            let (mut f, mut a, mut w, mut ra, mut rw) = (vec![], vec![], vec![], vec![], vec![]);
            let by_hand = by_hand(p);
            if let Some((key, check)) = &by_hand {
                assert!(check(&headers, &body, key, TS), "the calibration check accepts");
                let mut wrong = body.clone();
                wrong[0] ^= 1;
                assert!(!check(&headers, &wrong, key, TS), "the calibration check refuses a changed body");
            }
            let (mut h, mut rh) = (vec![], vec![]);
            for _ in 0..ROUNDS {
                let fl = per_call(iters, || {
                    let mut m = floor_key.clone();
                    m.update(black_box(&body));
                    black_box(m.finalize().into_bytes());
                });
                let au = per_call(iters, || {
                    black_box(v.authenticate(black_box(&headers), black_box(&body), now).unwrap().secret_index());
                });
                let ve = per_call(iters, || {
                    black_box(v.verify(black_box(&headers), black_box(&body), now).unwrap());
                });
                if let Some((key, check)) = &by_hand {
                    let hw = per_call(iters, || {
                        black_box(check(black_box(&headers), black_box(&body), key, black_box(TS)));
                    });
                    h.push(hw);
                    rh.push(hw / fl);
                }
                f.push(fl);
                a.push(au);
                w.push(ve);
                ra.push(au / fl);
                rw.push(ve / fl);
            }
            println!(
                "| {} | {} | {:.0} | {:.0} | {:.0} | {:.3}x | {:.3}x |",
                p.name(),
                if size == 1024 { "1 KiB".to_string() } else { "64 KiB".to_string() },
                median(&mut f),
                median(&mut a),
                median(&mut w),
                median(&mut ra),
                median(&mut rw)
            );
            if by_hand.is_some() {
                calibration.push(format!(
                    "| {}, hand-written minimal check | {} | {:.0} ns | {:.3}x |",
                    p.name(),
                    if size == 1024 { "1 KiB" } else { "64 KiB" },
                    median(&mut h),
                    median(&mut rh)
                ));
            }
        }
    }
    println!();
    println!("| calibration | body | per call | / floor (median of per-round ratios) |");
    println!("|---|---|---|---|");
    for line in calibration {
        println!("{line}");
    }
}
