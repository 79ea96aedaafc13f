//! `router-cost MODE [N] [ROUNDS]` — the in-process cost of one request through the axum app
//! `bench-server MODE` serves (no sockets, no kernel): N distinct 1 KiB GitHub-signed deliveries
//! (default 4096), sent ROUNDS times (default 20) with `Router::oneshot`, as hyper would call it.
//! Prints ns per request. Under `valgrind --tool=callgrind` it gives instruction counts per
//! request that do not move with the machine's noise (see `BENCHMARKS.md`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tower::ServiceExt;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "bare".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(4096);
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let deliveries: Vec<(Bytes, Vec<(String, String)>)> = (0..n)
        .map(|i| {
            let (b, h) = hookgate_bench::signed(i);
            (Bytes::from(b), h)
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let processed = Arc::new(AtomicU64::new(0));
        let app = hookgate_bench::axum_app(&mode, Arc::clone(&processed))
            .unwrap_or_else(|| panic!("unknown mode {mode}: bare | bare-headers | bare-spin | bare-hmac | hand-rolled | handler | quick-ack"))
            // As `axum::serve` does once per connection: handlers and layers turned into routes
            // eagerly, not on every request.
            .with_state(());
        let build = |(body, headers): &(Bytes, Vec<(String, String)>)| {
            let mut req = http::Request::post("/webhooks")
                .header("host", "127.0.0.1:18080")
                .header("content-type", "application/json")
                .header("content-length", body.len());
            for (k, v) in headers {
                req = req.header(k.as_str(), v.as_str());
            }
            req.body(Full::new(body.clone())).expect("request")
        };
        let start = Instant::now();
        let mut bad = 0usize;
        for _ in 0..rounds {
            // Requests are built outside the timed part's main cost as far as possible; hyper
            // builds them too, so what is left (a header map) is common to every mode.
            for (i, d) in deliveries.iter().enumerate() {
                let res = app.clone().oneshot(build(d)).await.expect("infallible");
                if !res.status().is_success() {
                    bad += 1;
                }
                std::hint::black_box(res.into_body().collect().await.ok());
                if i % 64 == 63 {
                    // Let the quick-ack consumer run, as the server's scheduler would.
                    tokio::task::yield_now().await;
                }
            }
        }
        let total = n * rounds;
        let ns = start.elapsed().as_nanos() as f64 / total as f64;
        // Let the quick-ack consumer drain.
        tokio::task::yield_now().await;
        println!(
            "{mode}: {ns:.0} ns/request over {total} requests ({bad} not 2xx, {} processed)",
            processed.load(Ordering::Relaxed)
        );
    });
}
