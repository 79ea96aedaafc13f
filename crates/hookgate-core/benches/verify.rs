//! `cargo bench -p hookgate-core --bench verify`
//!
//! Every preset at 256 B, 1 KiB, 64 KiB and 1 MiB, beside a bare HMAC-SHA256 of the same bytes
//! with a precomputed key (the floor). `verify` = signature + window + metadata extraction;
//! `authenticate` = the security decision alone.

#![allow(missing_docs)]

use std::time::{Duration, UNIX_EPOCH};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use hookgate_core::{Preset, Secret, SignOptions, Verifier};
use sha2::Sha256;

/// The Unix time every bench's signed requests carry, and "now" when they are checked.
pub(crate) const TS: i64 = 1_700_000_000;

/// A JSON body of exactly `len` bytes with the fields presets read near the front.
pub(crate) fn body(len: usize) -> Vec<u8> {
    let head = r#"{"id":"evt_1Nabc","type":"invoice.paid","event":"message.received","eventId":"ev_1","eventType":"message.received","event_id":"Ev01","timestamp":1700000000,"data":{"eventId":"e1","message_id":"wamid.1","pad":""#;
    let tail = r#""}}"#;
    let mut b = head.as_bytes().to_vec();
    b.resize(len.saturating_sub(tail.len()).max(head.len()), b'x');
    b.extend_from_slice(tail.as_bytes());
    b
}

pub(crate) fn secret_text(p: Preset) -> &'static str {
    hookgate_core::example_secret(p)
}

/// The presets these benches set beside the HMAC-SHA256 floor: HMAC-SHA256 signatures in a header
/// over content with the raw body, needing no URL and no enforced timestamp inside the body. The others
/// (SHA-1, public keys, URL or form signing, in-body signatures) are measured on bodies of their
/// own shape by the peers bench (`bench/peers`).
pub(crate) fn presets() -> Vec<Preset> {
    Preset::ALL
        .into_iter()
        .filter(|p| {
            let s = p.scheme();
            s.algorithm() == hookgate_core::Algorithm::HmacSha256
                && s.signature_field().is_none()
                && !s.signs_url()
                && !(matches!(s.timestamp_source(), hookgate_core::TimestampSource::BodyField(_))
                    && s.enforces_timestamp())
        })
        .collect()
}

/// "Now" for the benches: the moment [`TS`] names.
pub(crate) fn now() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(TS as u64)
}

/// A verifier for preset `p` and the headers its sender adds to `body`, signed at [`TS`] with
/// delivery id `id` (for the presets that send one) and event type `push`.
pub(crate) fn signed(p: Preset, body: &[u8], id: &str) -> (Verifier, Vec<(String, String)>) {
    let scheme = p.scheme();
    let secret = Secret::for_scheme(&scheme, secret_text(p)).unwrap();
    let opts = SignOptions { id: Some(id), timestamp: Some(TS), event_type: Some("push"), ..Default::default() };
    let headers = scheme.sign(&secret, body, &opts).unwrap();
    (Verifier::new(scheme, secret), headers)
}

/// For the interleaved benches (`ratio`, `probe`, which include this file): nanoseconds per call
/// of `f`, over `iters` calls.
#[allow(dead_code)]
pub(crate) fn per_call(iters: u32, mut f: impl FnMut()) -> f64 {
    let t = std::time::Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_nanos() as f64 / f64::from(iters)
}

/// The median of `v` (sorted in place), for the same benches.
#[allow(dead_code)]
pub(crate) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn bench(c: &mut Criterion) {
    let now = now();
    for size in [256usize, 1024, 64 * 1024, 1024 * 1024] {
        let b = body(size);
        let mut g = c.benchmark_group(format!("verify/{size}"));
        g.throughput(Throughput::Bytes(size as u64));
        if size >= 64 * 1024 {
            g.sample_size(30);
        }
        let key = b"a-32-character-secret-for-bench!";
        let floor = Hmac::<Sha256>::new_from_slice(key).unwrap();
        g.bench_function("floor-hmac-sha256", |bn| {
            bn.iter(|| {
                let mut m = floor.clone();
                m.update(std::hint::black_box(&b));
                m.finalize().into_bytes()
            })
        });
        for p in presets() {
            let (v, headers) = signed(p, &b, "msg_1");
            v.verify(&headers, &b, now).expect("signed body verifies");
            g.bench_with_input(BenchmarkId::new("verify", p.name()), &b, |bn, b| {
                bn.iter(|| v.verify(&headers, std::hint::black_box(b), now).unwrap())
            });
            if size == 1024 {
                g.bench_with_input(BenchmarkId::new("authenticate", p.name()), &b, |bn, b| {
                    bn.iter(|| v.authenticate(&headers, std::hint::black_box(b), now).unwrap())
                });
            }
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
