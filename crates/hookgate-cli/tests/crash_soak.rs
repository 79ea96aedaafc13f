//! The crash soak of the durable sinks (opt-in):
//!
//! ```sh
//! HOOKGATE_REDIS_URL=… HOOKGATE_NATS_URL=… cargo test --release -p hookgate-cli --test crash_soak -- --ignored --nocapture
//! ```
//!
//! 20,000 GitHub deliveries plus 10 % duplicates, 32 at a time, through `hookgate serve` with a
//! durable sink; the receiver is killed (SIGKILL) twice and restarted, the broker is killed and
//! restarted once (with its data on disk); the sender retries each delivery until it gets a 2xx.
//! Then every delivery must be in the stream exactly once, its body byte for byte. The servers
//! are this test's own (`redis-server`, `nats-server` on spare ports), so the URLs above are not
//! needed; the binaries are.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hookgate_core::{Preset, TestRequest};

const BIN: &str = env!("CARGO_BIN_EXE_hookgate");
const UNIQUE: usize = 20_000;
const DUPLICATES: usize = 2_000;
const CONCURRENCY: usize = 32;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for(port: u16, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "{what} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A server process that can be killed and started again with the same command.
struct Proc {
    cmd: Vec<String>,
    port: u16,
    child: Option<Child>,
}

impl Proc {
    fn start(cmd: Vec<String>, port: u16) -> Self {
        let mut p = Self { cmd, port, child: None };
        p.restart();
        p
    }
    fn restart(&mut self) {
        self.kill();
        let child = Command::new(&self.cmd[0])
            .args(&self.cmd[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", self.cmd[0]));
        self.child = Some(child);
        wait_for(self.port, &self.cmd[0]);
    }
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL
            let _ = c.wait();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Delivery `i`'s request: unique ids `0..UNIQUE`; the rest repeat earlier ones.
fn request(i: usize) -> TestRequest {
    let n = if i < UNIQUE { i } else { (i - UNIQUE) * 10 };
    TestRequest::signed(Preset::Github, "soak-secret", format!("{{\"n\":{n},\"pad\":\"{}\"}}", "x".repeat(n % 300)))
        .id(&format!("soak-{n}"))
        .event_type("push")
}

/// POSTs until a 2xx, through receiver crashes; returns the attempts it took.
fn deliver(port: u16, req: &TestRequest) -> usize {
    let mut head = format!(
        "POST /webhooks HTTP/1.1\r\nhost: soak\r\nconnection: close\r\ncontent-length: {}\r\n",
        req.bytes().len()
    );
    for (k, v) in req.headers() {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let deadline = Instant::now() + Duration::from_secs(120);
    for attempt in 1.. {
        let ok = (|| -> std::io::Result<bool> {
            let mut s = TcpStream::connect(("127.0.0.1", port))?;
            s.set_read_timeout(Some(Duration::from_secs(10)))?;
            s.write_all(head.as_bytes())?;
            s.write_all(req.bytes())?;
            let mut status = [0u8; 12];
            s.read_exact(&mut status)?;
            Ok(status[9] == b'2')
        })()
        .unwrap_or(false);
        if ok {
            return attempt;
        }
        assert!(Instant::now() < deadline, "a delivery got no 2xx for two minutes");
        std::thread::sleep(Duration::from_millis(20 * attempt.min(10) as u64));
    }
    unreachable!()
}

/// Runs the sender while crashing the receiver twice and the broker once.
fn soak(label: &str, sink_url: &str, broker: &mut Proc, extra: &[&str]) {
    let port = free_port();
    let mut cmd: Vec<String> = [BIN, "serve", "--provider", "github", "--secret", "soak-secret", "--listen"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    cmd.push(format!("127.0.0.1:{port}"));
    cmd.extend(["--sink".to_string(), sink_url.to_string()]);
    cmd.extend(extra.iter().map(|s| s.to_string()));
    let mut receiver = Proc::start(cmd, port);

    let total = UNIQUE + DUPLICATES;
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let retries = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let senders: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (next, done, retries) = (Arc::clone(&next), Arc::clone(&done), Arc::clone(&retries));
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    // Deliveries and their duplicates interleave: duplicate j follows delivery j * 10.
                    let order = if i % 11 == 10 && i / 11 < DUPLICATES { UNIQUE + i / 11 } else { i - i / 11 };
                    let order = order.min(total - 1);
                    retries.fetch_add(deliver(port, &request(order)) - 1, Ordering::Relaxed);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let at = |fraction: f64| {
        while (done.load(Ordering::Relaxed) as f64) < total as f64 * fraction {
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    at(0.3);
    receiver.restart();
    at(0.5);
    broker.restart();
    at(0.7);
    receiver.restart();
    for s in senders {
        s.join().unwrap();
    }
    let elapsed = started.elapsed();
    drop(receiver);
    println!(
        "crash soak [{label}]: {UNIQUE} unique + {DUPLICATES} duplicates in {:.1} s, {} retries; receiver killed twice, broker restarted once",
        elapsed.as_secs_f64(),
        retries.load(Ordering::Relaxed)
    );
}

/// Checks that `events` (delivery id → bodies) hold every unique delivery once, intact.
fn check(label: &str, events: HashMap<String, Vec<Vec<u8>>>) {
    let mut lost = 0;
    let mut doubled = 0;
    for n in 0..UNIQUE {
        let want = request(n);
        match events.get(&format!("soak-{n}")) {
            None => lost += 1,
            Some(bodies) => {
                doubled += bodies.len() - 1;
                assert!(bodies.iter().all(|b| b[..] == want.bytes()[..]), "[{label}] soak-{n}: body changed");
            }
        }
    }
    println!("crash soak [{label}]: in the stream {} distinct, lost {lost}, twice {doubled}", events.len());
    assert_eq!((lost, doubled, events.len()), (0, 0, UNIQUE), "[{label}]");
}

fn unique_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "hookgate-crash-soak-{name}-{}-{}",
        std::process::id(),
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn redis(port: u16, dir: &Path) -> Proc {
    let cmd = ["redis-server", "--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"]
        .iter()
        .map(|s| s.to_string())
        .chain(["--appendfsync".into(), "always".into(), "--dir".into(), dir.display().to_string()])
        .collect();
    Proc::start(cmd, port)
}

#[test]
#[ignore = "opt-in crash soak: cargo test --release -p hookgate-cli --test crash_soak -- --ignored --nocapture"]
fn redis_stream_sink_survives_receiver_and_broker_crashes() {
    let (port, dir) = (free_port(), unique_dir("redis"));
    let mut broker = redis(port, &dir);
    let url = format!("redis://127.0.0.1:{port}");
    soak("redis", &url, &mut broker, &["--stream", "soak:events"]);
    let events = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut consumer = hookgate_redis::RedisStreamConsumer::builder(&url)
            .stream("soak:events")
            .group("check")
            .build()
            .await
            .unwrap();
        let mut events: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
        while let Some(d) = consumer.next().await.unwrap() {
            events.entry(d.event.metadata().delivery_id().to_owned()).or_default().push(d.event.body().to_vec());
        }
        events
    });
    check("redis", events);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
#[ignore = "opt-in crash soak: cargo test --release -p hookgate-cli --test crash_soak -- --ignored --nocapture"]
fn nats_sink_survives_receiver_and_broker_crashes() {
    let (port, dir) = (free_port(), unique_dir("nats"));
    let cmd = ["nats-server", "-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd", &dir.display().to_string()]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut broker = Proc::start(cmd, port);
    let url = format!("nats://127.0.0.1:{port}");
    soak("nats", &url, &mut broker, &["--stream", "SOAK", "--subject", "soak.events"]);
    let events = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut consumer =
            hookgate_nats::NatsConsumer::builder(&url).stream("SOAK").durable("check").build().await.unwrap();
        let mut events: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
        while let Ok(Ok(d)) = tokio::time::timeout(Duration::from_secs(2), consumer.next()).await {
            consumer.ack(&d).await.unwrap();
            events.entry(d.event.metadata().delivery_id().to_owned()).or_default().push(d.event.body().to_vec());
        }
        events
    });
    check("nats", events);
    let _ = std::fs::remove_dir_all(dir);
}
