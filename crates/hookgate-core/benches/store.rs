//! `cargo bench -p hookgate-core --bench store`
//!
//! claim+complete on the memory store: the miss path (a new delivery: claim → Acquired, then
//! complete) and the hit path (a duplicate: claim → Done), on 1 and 2 threads.

#![allow(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt as _;
use hookgate_core::{Claim, IdempotencyKey, IdempotencyStore, MemoryStore};

const LEASE: Duration = Duration::from_secs(60);
const TTL: Duration = Duration::from_secs(86_400);

fn miss(store: &MemoryStore, n: u64) {
    let key = IdempotencyKey::new("/webhooks", &format!("evt_{n:026}"));
    match store.claim(&key, LEASE).now_or_never().unwrap().unwrap() {
        Claim::Acquired(t) => assert!(store.complete(&key, t, TTL).now_or_never().unwrap().unwrap()),
        other => panic!("{other:?}"),
    }
}

fn run_threads(threads: u64, iters: u64, f: impl Fn(u64) + Send + Sync + 'static) -> Duration {
    let f = Arc::new(f);
    let start = Instant::now();
    let hs: Vec<_> = (0..threads)
        .map(|t| {
            let f = Arc::clone(&f);
            std::thread::spawn(move || {
                for i in 0..iters / threads {
                    f(t * (1 << 40) + i);
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("store");
    let counter = Arc::new(AtomicU64::new(0));
    for threads in [1u64, 2] {
        let store = MemoryStore::builder().capacity(50_000_000).build().unwrap();
        let ctr = Arc::clone(&counter);
        g.bench_function(format!("claim+complete miss/{threads}t"), |b| {
            b.iter_custom(|iters| {
                let (s, ctr) = (store.clone(), Arc::clone(&ctr));
                let base = ctr.fetch_add(1 << 50, Ordering::Relaxed);
                run_threads(threads, iters.max(threads), move |i| miss(&s, base + i))
            })
        });
        let hot = MemoryStore::new();
        let keys: Arc<Vec<IdempotencyKey>> =
            Arc::new((0..1024).map(|i| IdempotencyKey::new("/webhooks", &format!("evt_{i:026}"))).collect());
        for k in keys.iter() {
            if let Claim::Acquired(t) = hot.claim(k, LEASE).now_or_never().unwrap().unwrap() {
                hot.complete(k, t, TTL).now_or_never().unwrap().unwrap();
            }
        }
        g.bench_function(format!("claim hit (duplicate)/{threads}t"), |b| {
            b.iter_custom(|iters| {
                let (s, keys) = (hot.clone(), Arc::clone(&keys));
                run_threads(threads, iters.max(threads), move |i| {
                    assert_eq!(s.claim(&keys[(i % 1024) as usize], LEASE).now_or_never().unwrap().unwrap(), Claim::Done)
                })
            })
        });
    }
    g.bench_function("key digest (IdempotencyKey::new)", |b| {
        b.iter(|| IdempotencyKey::new("/webhooks", std::hint::black_box("evt_1NabcdefghijklmnopqrstuV")))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
