//! `cargo bench -p hookgate-core --bench ratio`
//!
//! Side-by-side ratios on a noisy, shared machine: in each round the bare HMAC-SHA256 floor,
//! `authenticate` (the security decision) and `verify` (plus metadata extraction) run back to
//! back on the same bytes; the table shows per-call medians over the rounds and the median of the
//! per-round ratios, which cancels most of the machine's drift.
//!
//! `RATIO_ONE=github/20000` runs one preset's 1 KiB `authenticate` (or `floor/20000`, the bare
//! HMAC, or `by-hand-github/20000` / `tuned-github/20000`, a hand-written calibration check, or
//! `content-stripe/20000`, the HMAC of that preset's signed content alone, or `verify-slack/20000`,
//! `verify` instead of `authenticate`) that many times and nothing else, for instruction counts
//! under callgrind.

#![allow(missing_docs)]

use std::hint::black_box;

use hmac::{Hmac, Mac};
use hookgate_core::{ContentPart, Preset};
use sha2::Sha256;

#[path = "verify.rs"]
#[allow(dead_code)]
mod shared;

use shared::TS;

const ROUNDS: usize = 41;
/// The delivery id every signed request of the table carries.
const ID: &str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";

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

/// The lowercase hex of a 32-byte MAC, by byte arithmetic the compiler turns into vector code.
fn hex_of(tag: &[u8]) -> [u8; 64] {
    let mut nibbles = [0u8; 64];
    for (pair, &b) in nibbles.chunks_exact_mut(2).zip(tag) {
        pair[0] = b >> 4;
        pair[1] = b & 15;
    }
    nibbles.map(|n| n + if n > 9 { b'a' - 10 } else { b'0' })
}

/// Constant-time equality of two equal-length byte strings, eight bytes at a time.
fn words_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (wa, wb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail = wa.remainder().iter().zip(wb.remainder()).fold(0u8, |d, (x, y)| d | (x ^ y));
    let word = |c: &[u8]| u64::from_ne_bytes(c.try_into().expect("8 bytes"));
    wa.zip(wb).fold(u64::from(tail), |d, (x, y)| d | (word(x) ^ word(y))) == 0
}

/// Standard base64 (with padding) of a 32-byte MAC: 44 characters.
fn base64_of(tag: &[u8]) -> [u8; 44] {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = [b'='; 44];
    for (o, g) in out.chunks_exact_mut(4).zip(tag.chunks(3)) {
        let n =
            (u32::from(g[0]) << 16) | (u32::from(*g.get(1).unwrap_or(&0)) << 8) | u32::from(*g.get(2).unwrap_or(&0));
        for (k, c) in o.iter_mut().enumerate().take(g.len() + 1) {
            *c = A[((n >> (18 - 6 * k)) & 63) as usize];
        }
    }
    out
}

/// The pieces of `text` between `sep` bytes, found with `memchr`.
fn split(text: &[u8], sep: u8) -> impl Iterator<Item = &[u8]> + Clone {
    let ends = memchr::memchr_iter(sep, text).chain([text.len()]);
    let starts = std::iter::once(0).chain(memchr::memchr_iter(sep, text).map(|i| i + 1));
    starts.zip(ends).map(|(a, b)| &text[a..b])
}

/// Unix seconds from ASCII digits, no `std` parsing.
fn digits(t: &[u8]) -> Option<i64> {
    if t.is_empty() || t.len() > 15 {
        return None;
    }
    t.iter().try_fold(0i64, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

/// Calibration, tuned further than a careful user would go: [`hand_written_github`] with the
/// MAC's hex made at once and compared a word at a time.
fn tuned_github(headers: &[(String, String)], body: &[u8], key: &Hmac<Sha256>, _now: i64) -> bool {
    let find = |name| header(headers, name).map(str::as_bytes);
    let (Some(sig), Some(_id)) = (find("x-hub-signature-256"), find("x-github-delivery")) else {
        return false;
    };
    let Some(hex) = sig.strip_prefix(b"sha256=") else { return false };
    let mut mac = key.clone();
    mac.update(body);
    words_eq(hex, &hex_of(&mac.finalize().into_bytes()))
}

/// Calibration, tuned further than a careful user would go: [`hand_written_standard`] with the
/// timestamp parsed by a digit loop, the MAC's base64 made by a table, and the entries compared
/// a word at a time.
fn tuned_standard(headers: &[(String, String)], body: &[u8], key: &Hmac<Sha256>, now: i64) -> bool {
    let find = |name| header(headers, name).map(str::as_bytes);
    let (Some(id), Some(ts), Some(sig)) = (find("webhook-id"), find("webhook-timestamp"), find("webhook-signature"))
    else {
        return false;
    };
    let Some(t) = digits(ts) else { return false };
    if (now - t).abs() > 300 {
        return false;
    }
    let mut mac = key.clone();
    for part in [id, b".", ts, b".", body] {
        mac.update(part);
    }
    let expected = base64_of(&mac.finalize().into_bytes());
    split(sig, b' ').filter_map(|e| e.strip_prefix(b"v1,")).fold(false, |ok, s| ok | words_eq(s, &expected))
}

/// Calibration, tuned further than a careful user would go: [`hand_written_stripe`] with the
/// timestamp parsed by a digit loop and the MAC's hex made at once and compared a word at a time.
fn tuned_stripe(headers: &[(String, String)], body: &[u8], key: &Hmac<Sha256>, now: i64) -> bool {
    let Some(sig) = header(headers, "stripe-signature").map(str::as_bytes) else {
        return false;
    };
    let entries = split(sig, b',');
    let Some(t) = entries.clone().find_map(|e| e.strip_prefix(b"t=")) else { return false };
    let Some(ts) = digits(t) else { return false };
    if (now - ts).abs() > 300 {
        return false;
    }
    let mut mac = key.clone();
    for part in [t, b".", body] {
        mac.update(part);
    }
    let expected = hex_of(&mac.finalize().into_bytes());
    entries.fold(false, |ok, e| ok | e.strip_prefix(b"v1=").is_some_and(|h| words_eq(h, &expected)))
}

/// A hand-written check: headers, body, precomputed key, now (Unix seconds).
type HandCheck = fn(&[(String, String)], &[u8], &Hmac<Sha256>, i64) -> bool;

/// The hand-written calibration checks for `p`, if there are any, with their precomputed key:
/// the careful user's and the tuned one.
fn by_hand(p: Preset) -> Option<(Hmac<Sha256>, [HandCheck; 2])> {
    use base64::Engine as _;
    let key = |k: &[u8]| Hmac::<Sha256>::new_from_slice(k).unwrap();
    let text = shared::secret_text(p);
    Some(match p {
        Preset::Github => (key(text.as_bytes()), [hand_written_github, tuned_github]),
        Preset::Stripe => (key(text.as_bytes()), [hand_written_stripe, tuned_stripe]),
        Preset::StandardWebhooks => {
            let raw = base64::engine::general_purpose::STANDARD.decode(text.trim_start_matches("whsec_")).unwrap();
            (key(&raw), [hand_written_standard, tuned_standard])
        }
        _ => return None,
    })
}

/// Calibration: the HMAC of exactly what preset `p` signs (`id.timestamp.body`, `t.body`, the body
/// alone...), its pieces fed one after another as hookgate feeds them, with a precomputed key and
/// nothing parsed, found or compared: the floor of that preset's own signed content.
fn signed_content(p: Preset, body: &[u8]) -> Vec<Vec<u8>> {
    let ts = TS.to_string();
    p.scheme()
        .signed_content()
        .parts()
        .iter()
        .map(|part| match part {
            ContentPart::Id => ID.as_bytes().to_vec(),
            ContentPart::Timestamp => ts.as_bytes().to_vec(),
            ContentPart::Body => body.to_vec(),
            ContentPart::Literal(l) => l.as_bytes().to_vec(),
            _ => unreachable!("a content part this bench does not know"),
        })
        .collect()
}

/// The floor's precomputed key (the same secret the table's HMAC presets use).
fn floor_key() -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(b"a-32-character-secret-for-bench!").unwrap()
}

/// The HMAC of `pieces`, fed one after another with `key` (the signed-content calibration).
#[inline(always)]
fn content_hmac(key: &Hmac<Sha256>, pieces: &[Vec<u8>]) {
    let mut m = key.clone();
    for piece in black_box(pieces) {
        m.update(piece);
    }
    black_box(m.finalize().into_bytes());
}

/// `RATIO_ONE="stripe/20000"` (or `floor/20000`): `authenticate` of that preset's 1 KiB row, that
/// many times and nothing else, for `valgrind --tool=callgrind` (the difference of two counts
/// gives instructions per call without the set-up).
fn one(spec: &str) {
    let (name, n) = spec.split_once('/').expect("preset/N");
    let n: u32 = n.parse().expect("N");
    let (body, now) = (shared::body(1024), shared::now());
    if let Some(preset) = name.strip_prefix("content-") {
        let p = Preset::ALL.into_iter().find(|p| p.name() == preset).expect("content-<preset>");
        let (pieces, key) = (signed_content(p, &body), floor_key());
        for _ in 0..n {
            content_hmac(&key, &pieces);
        }
        return;
    }
    if name == "floor" {
        let key = floor_key();
        for _ in 0..n {
            let mut m = key.clone();
            m.update(black_box(&body));
            black_box(m.finalize().into_bytes());
        }
        return;
    }
    for (tier, prefix) in [(0, "by-hand-"), (1, "tuned-")] {
        let Some(preset) = name.strip_prefix(prefix) else { continue };
        let p = Preset::ALL.into_iter().find(|p| p.name() == preset).expect("by-hand-<preset> or tuned-<preset>");
        let (_, headers) = shared::signed(p, &body, ID);
        let (key, checks) = by_hand(p).expect("github, stripe or standard-webhooks");
        for _ in 0..n {
            black_box(checks[tier](black_box(&headers), black_box(&body), &key, black_box(TS)));
        }
        return;
    }
    let (full, name) = match name.strip_prefix("verify-") {
        Some(preset) => (true, preset),
        None => (false, name),
    };
    let p = Preset::ALL
        .into_iter()
        .find(|p| p.name() == name)
        .expect("a preset name, verify-<preset>, by-hand-<preset>, tuned-<preset> or floor");
    let (v, headers) = shared::signed(p, &body, ID);
    for _ in 0..n {
        if full {
            black_box(v.verify(black_box(&headers), black_box(&body), now).unwrap());
        } else {
            black_box(v.authenticate(black_box(&headers), black_box(&body), now).unwrap());
        }
    }
}

fn main() {
    if let Ok(spec) = std::env::var("RATIO_ONE") {
        return one(&spec);
    }
    let now = shared::now();
    println!(
        "| preset | body | floor (ns) | authenticate (ns) | verify (ns) | authenticate / floor | verify / floor |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut calibration = Vec::new();
    for size in [1024usize, 64 * 1024] {
        let body = shared::body(size);
        let (iters, label) = if size == 1024 { (2000, "1 KiB") } else { (40, "64 KiB") };
        let floor_key = floor_key();
        for p in shared::presets() {
            let (v, headers) = shared::signed(p, &body, ID);
            let (mut f, mut a, mut w, mut ra, mut rw) = (vec![], vec![], vec![], vec![], vec![]);
            let by_hand = by_hand(p);
            if let Some((key, checks)) = &by_hand {
                for check in checks {
                    assert!(check(&headers, &body, key, TS), "the calibration check accepts");
                    let mut wrong = body.clone();
                    wrong[0] ^= 1;
                    assert!(!check(&headers, &wrong, key, TS), "the calibration check refuses a changed body");
                }
            }
            let (mut h, mut rh) = ([vec![], vec![]], [vec![], vec![]]);
            let pieces = signed_content(p, &body);
            let (mut c, mut rc) = (vec![], vec![]);
            for _ in 0..ROUNDS {
                let fl = shared::per_call(iters, || {
                    let mut m = floor_key.clone();
                    m.update(black_box(&body));
                    black_box(m.finalize().into_bytes());
                });
                let au = shared::per_call(iters, || {
                    black_box(v.authenticate(black_box(&headers), black_box(&body), now).unwrap());
                });
                let ve = shared::per_call(iters, || {
                    black_box(v.verify(black_box(&headers), black_box(&body), now).unwrap());
                });
                let co = shared::per_call(iters, || content_hmac(&floor_key, &pieces));
                c.push(co);
                rc.push(co / fl);
                if let Some((key, checks)) = &by_hand {
                    for (tier, check) in checks.iter().enumerate() {
                        let hw = shared::per_call(iters, || {
                            black_box(check(black_box(&headers), black_box(&body), key, black_box(TS)));
                        });
                        h[tier].push(hw);
                        rh[tier].push(hw / fl);
                    }
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
                label,
                shared::median(&mut f),
                shared::median(&mut a),
                shared::median(&mut w),
                shared::median(&mut ra),
                shared::median(&mut rw)
            );
            calibration.push(format!(
                "| {}, its signed content alone | {} | {:.0} ns | {:.3}x |",
                p.name(),
                label,
                shared::median(&mut c),
                shared::median(&mut rc)
            ));
            if by_hand.is_some() {
                for (tier, label) in ["hand-written minimal check", "tuned hand-written check"].iter().enumerate() {
                    calibration.push(format!(
                        "| {}, {label} | {} | {:.0} ns | {:.3}x |",
                        p.name(),
                        label,
                        shared::median(&mut h[tier]),
                        shared::median(&mut rh[tier])
                    ));
                }
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
