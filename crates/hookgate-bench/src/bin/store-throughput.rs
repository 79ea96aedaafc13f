//! `store-throughput [N] [CONCURRENCY]` — claim+complete of N new deliveries with CONCURRENCY
//! tasks, on the memory store and (when `HOOKGATE_REDIS_URL` is set) on Redis; prints ops/s.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hookgate_core::{Claim, IdempotencyKey, IdempotencyStore, MemoryStore};

async fn run<S: IdempotencyStore>(store: Arc<S>, n: usize, conc: usize, ns: &str) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (store, next, ns) = (Arc::clone(&store), Arc::clone(&next), ns.to_owned());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let key = IdempotencyKey::new(&ns, &format!("evt_{i:026}"));
                match store.claim(&key, Duration::from_secs(60)).await.expect("claim") {
                    Claim::Acquired(t) => {
                        assert!(store.complete(&key, t, Duration::from_secs(600)).await.expect("complete"))
                    }
                    other => panic!("{other:?}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let conc: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(50);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    rt.block_on(async {
        let ns = format!("/bench-{}", std::process::id());
        let mem = run(Arc::new(MemoryStore::new()), n, conc, &ns).await;
        println!("memory store: {mem:.0} claim+complete/s ({n} deliveries, {conc} tasks)");
        if let Ok(url) = std::env::var("HOOKGATE_REDIS_URL") {
            let store = hookgate_redis::RedisStore::builder(url).build().await.expect("redis");
            let r = run(Arc::new(store), n, conc, &ns).await;
            println!(
                "redis store:  {r:.0} claim+complete/s ({n} deliveries, {conc} tasks) = {:.0} round trips/s",
                2.0 * r
            );
        }
    });
}
