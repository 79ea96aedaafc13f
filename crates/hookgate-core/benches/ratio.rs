//! `cargo bench -p hookgate-core --bench ratio`
//!
//! Side-by-side ratios on a noisy, shared machine: in each round the bare HMAC-SHA256 floor,
//! `authenticate` (the security decision) and `verify` (plus metadata extraction) run back to
//! back on the same bytes; the table shows per-call medians over the rounds and the median of the
//! per-round ratios, which cancels most of the machine's drift.

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

fn main() {
    let now = UNIX_EPOCH + Duration::from_secs(TS as u64);
    println!(
        "| preset | body | floor (ns) | authenticate (ns) | verify (ns) | authenticate / floor | verify / floor |"
    );
    println!("|---|---|---|---|---|---|---|");
    for size in [1024usize, 64 * 1024] {
        let body = shared::body(size);
        let iters = if size == 1024 { 2000 } else { 40 };
        let floor_key = Hmac::<Sha256>::new_from_slice(b"a-32-character-secret-for-bench!").unwrap();
        for p in Preset::ALL {
            let scheme = p.scheme();
            let text = match p {
                Preset::StandardWebhooks | Preset::Svix => "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
                _ => "a-32-character-secret-for-bench!",
            };
            let secret = Secret::parse(scheme.secret_format(), text).unwrap();
            let opts = SignOptions {
                id: Some("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"),
                timestamp: Some(TS),
                event_type: Some("push"),
            };
            let headers = scheme.sign(&secret, &body, &opts).unwrap();
            let v = Verifier::new(scheme, secret);
            let (mut f, mut a, mut w, mut ra, mut rw) = (vec![], vec![], vec![], vec![], vec![]);
            for _ in 0..ROUNDS {
                let fl = per_call(iters, || {
                    let mut m = floor_key.clone();
                    m.update(black_box(&body));
                    black_box(m.finalize().into_bytes());
                });
                let au = per_call(iters, || {
                    black_box(v.authenticate(black_box(&headers), black_box(&body), now).unwrap().secret_index);
                });
                let ve = per_call(iters, || {
                    black_box(v.verify(black_box(&headers), black_box(&body), now).unwrap());
                });
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
        }
    }
}
