//! Fault and soak test: a simulated sender that behaves like the first five providers hookgate supports
//! (retries every non-2xx with exponential backoff, re-signs each attempt, re-sends some
//! deliveries as duplicates — some concurrently with the original, some later) against the axum
//! quick-ack server with a deliberately small channel and a consumer that is sometimes slow.
//! Asserts that every unique delivery is handed off exactly once: none lost, none twice.
//!
//! The default run does 2,000 deliveries on the memory store. The full runs are opt-in:
//!
//! ```text
//! cargo test --release -p hookgate-contract-tests --test soak -- --ignored --nocapture
//! ```
//!
//! runs 20,000 unique deliveries + 10% duplicates on the memory store, then again on Redis
//! (its own `redis-server` with `appendonly yes`, restarted half-way through).

mod support;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hookgate_core::{Endpoint, IdempotencyStore, MemoryStore, Preset, Verifier};
use hookgate_tower::QuickAck;
use support::{Client, backoff, body_for, serve, sign};

const PRESETS: [(Preset, &str); 2] = [(Preset::Primebot, "/primebot"), (Preset::StandardWebhooks, "/standard")];

struct Plan {
    unique: usize,
    concurrency: usize,
    channel: usize,
}

#[derive(Default)]
struct Tally {
    statuses: Mutex<BTreeMap<String, usize>>,
    retries: AtomicUsize,
    gave_up: AtomicUsize,
    sent: AtomicUsize,
    acknowledged: AtomicUsize,
}

impl Tally {
    fn count(&self, what: String) {
        *self.statuses.lock().unwrap().entry(what).or_default() += 1;
    }
}

/// 10% duplicates: 5% sent at the same time as the original, 5% after it was acknowledged.
#[derive(Clone, Copy, PartialEq)]
enum Dup {
    None,
    Concurrent,
    Later,
}

fn dup_of(i: usize) -> Dup {
    match i % 20 {
        3 => Dup::Concurrent,
        13 => Dup::Later,
        _ => Dup::None,
    }
}

/// Delivers `i` like a provider: until a 2xx, retrying 409/503/connection errors with backoff.
async fn deliver(client: &mut Client, i: usize, tally: &Tally) {
    let (preset, path) = PRESETS[i % PRESETS.len()];
    let id = format!("soak-{i}");
    let body = body_for(&id);
    let start = Instant::now();
    let mut attempt = 0;
    loop {
        tally.sent.fetch_add(1, Ordering::Relaxed);
        let headers = sign(preset, &id, &body);
        match client.post(path, &headers, body.clone()).await {
            Ok((s @ (200 | 202), _)) => {
                tally.count(s.to_string());
                tally.acknowledged.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Ok((s @ (409 | 503), _)) => tally.count(s.to_string()),
            Ok((s, b)) => panic!("delivery {id}: unexpected {s} {}", String::from_utf8_lossy(&b)),
            Err(_) => tally.count("connection error".into()),
        }
        if start.elapsed() > Duration::from_secs(120) {
            tally.gave_up.fetch_add(1, Ordering::Relaxed);
            return;
        }
        tally.retries.fetch_add(1, Ordering::Relaxed);
        backoff(attempt, Duration::from_millis(5), Duration::from_millis(500)).await;
        attempt += 1;
    }
}

type Midway = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

async fn soak<St: IdempotencyStore>(label: &str, store: Arc<St>, plan: Plan, midway: Option<Midway>) {
    let (tx, mut rx) = hookgate_core::channel(plan.channel);
    let mut app = axum::Router::new();
    for (preset, path) in PRESETS {
        let v = Verifier::for_preset(preset, &[support::secret_text(preset)]).unwrap();
        let endpoint = Endpoint::builder(path, v)
            .store(Arc::clone(&store))
            .lease(Duration::from_secs(2))
            .retry_after(Duration::from_secs(1))
            .build()
            .unwrap();
        app = app.route_service(path, QuickAck::new(endpoint, tx.clone()));
    }
    drop(tx);
    let addr = serve(app).await;

    // The consumer: records every hand-off; every 50th event it is slow for 20 ms.
    let seen: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let consumer = {
        let seen = Arc::clone(&seen);
        tokio::spawn(async move {
            let mut n = 0u64;
            while let Some(event) = rx.recv().await {
                n += 1;
                *seen.lock().unwrap().entry(event.metadata().delivery_id().to_owned()).or_default() += 1;
                if n % 50 == 0 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        })
    };

    let tally = Arc::new(Tally::default());
    let next = Arc::new(AtomicUsize::new(0));
    let later: Arc<Mutex<Vec<usize>>> = Arc::default();
    let started = Instant::now();
    let midway_task = midway.map(|run| {
        let tally = Arc::clone(&tally);
        let half = plan.unique / 2;
        tokio::spawn(async move {
            while tally.acknowledged.load(Ordering::Relaxed) < half {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            run().await;
        })
    });
    let mut workers = Vec::new();
    for _ in 0..plan.concurrency {
        let (tally, next, later) = (Arc::clone(&tally), Arc::clone(&next), Arc::clone(&later));
        let unique = plan.unique;
        workers.push(tokio::spawn(async move {
            let (mut a, mut b) = (Client::new(addr), Client::new(addr));
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= unique {
                    break;
                }
                match dup_of(i) {
                    Dup::Concurrent => {
                        tokio::join!(deliver(&mut a, i, &tally), deliver(&mut b, i, &tally));
                    }
                    Dup::Later => {
                        deliver(&mut a, i, &tally).await;
                        later.lock().unwrap().push(i);
                    }
                    Dup::None => deliver(&mut a, i, &tally).await,
                }
            }
            // The re-sends of already acknowledged deliveries.
            loop {
                let Some(i) = later.lock().unwrap().pop() else { break };
                deliver(&mut a, i, &tally).await;
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    if let Some(t) = midway_task {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();

    // Every acknowledged delivery is already in the channel; wait for the consumer to drain it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.lock().unwrap().len() < plan.unique && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    consumer.abort();

    let seen = seen.lock().unwrap();
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).map(|(id, n)| format!("{id}×{n}")).collect();
    let lost: Vec<_> = (0..plan.unique).map(|i| format!("soak-{i}")).filter(|id| !seen.contains_key(id)).collect();
    let duplicates = (0..plan.unique).filter(|&i| dup_of(i) != Dup::None).count();
    let statuses = tally.statuses.lock().unwrap().clone();
    let sent = tally.sent.load(Ordering::Relaxed);
    println!(
        "soak [{label}]: {} unique + {duplicates} duplicates, {sent} requests in {:.1} s ({:.0} req/s); \
         answers {statuses:?}; retries {}; gave up {}; handed off {} distinct, lost {}, twice {}",
        plan.unique,
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64(),
        tally.retries.load(Ordering::Relaxed),
        tally.gave_up.load(Ordering::Relaxed),
        seen.len(),
        lost.len(),
        twice.len(),
    );
    assert_eq!(tally.gave_up.load(Ordering::Relaxed), 0, "the sender gave up on some deliveries");
    assert!(lost.is_empty(), "lost: {:?}", &lost[..lost.len().min(10)]);
    assert!(twice.is_empty(), "handed off twice: {:?}", &twice[..twice.len().min(10)]);
    assert_eq!(seen.len(), plan.unique);
    assert_eq!(statuses.get("202"), Some(&plan.unique), "one 202 per unique delivery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_memory_quick() {
    let store = Arc::new(MemoryStore::new());
    soak("memory, quick", store, Plan { unique: 2_000, concurrency: 16, channel: 8 }, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "opt-in soak: cargo test --release -p hookgate-contract-tests --test soak -- --ignored --nocapture"]
async fn soak_memory() {
    let store = Arc::new(MemoryStore::new());
    soak("memory", store, Plan { unique: 20_000, concurrency: 64, channel: 16 }, None).await;
}

/// A `redis-server` of the test's own, with `appendonly yes` so a restart keeps what was done.
struct OwnRedis {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl OwnRedis {
    fn start(port: u16, dir: PathBuf) -> Option<Self> {
        let mut me = Self { child: None, port, dir };
        me.child = Some(match me.spawn() {
            Ok(c) => c,
            Err(_) if support::ci() => panic!("redis-server is not installed but CI=true"),
            Err(_) => {
                {
                    use std::io::Write as _;
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED the Redis soak: no redis-server binary to start and restart"
                    );
                }
                return None;
            }
        });
        me.wait_up();
        Some(me)
    }

    fn spawn(&self) -> std::io::Result<Child> {
        Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "yes", "--appendfsync", "always", "--dir"])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
    }

    fn wait_up(&self) {
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(10), "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills Redis outright (no clean shutdown), keeps it down for `down`, starts it again.
    fn restart(&mut self, down: Duration) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        std::thread::sleep(down);
        self.child = Some(self.spawn().expect("redis-server restarts"));
        self.wait_up();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "opt-in soak: cargo test --release -p hookgate-contract-tests --test soak -- --ignored --nocapture"]
async fn soak_redis_with_a_restart_half_way() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("hookgate-soak-redis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let Some(redis) = OwnRedis::start(port, dir) else { return };
    let redis = Arc::new(Mutex::new(redis));
    let store = hookgate_redis::RedisStore::builder(format!("redis://127.0.0.1:{port}"))
        .timeout(Duration::from_millis(300))
        .build()
        .await
        .unwrap();
    let restart: Midway = {
        let redis = Arc::clone(&redis);
        Box::new(move || {
            Box::pin(async move {
                let t = Instant::now();
                tokio::task::spawn_blocking(move || redis.lock().unwrap().restart(Duration::from_secs(1)))
                    .await
                    .unwrap();
                println!("soak [redis]: Redis killed and restarted half-way ({:.1} s down)", t.elapsed().as_secs_f64());
            })
        })
    };
    soak("redis + restart", Arc::new(store), Plan { unique: 20_000, concurrency: 64, channel: 16 }, Some(restart))
        .await;
    drop(redis);
}
