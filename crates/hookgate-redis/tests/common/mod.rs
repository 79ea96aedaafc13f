//! What the Redis test files share: the server's URL, unique names, a server of a test's own.

#![allow(dead_code)]

use std::io::Write as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(crate) fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// `HOOKGATE_REDIS_URL`; `None` (and a visible skip) when unset outside CI, a failure under CI.
pub(crate) fn redis_url() -> Option<String> {
    match std::env::var("HOOKGATE_REDIS_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if ci() => panic!("HOOKGATE_REDIS_URL is not set but CI=true: .ci/run must start Redis"),
        _ => {
            // Written to the process's stderr, not through `eprintln!`, which the test harness
            // captures and shows only for failures: the skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED a Redis test: HOOKGATE_REDIS_URL is not set (e.g. redis-server --port 16379 --daemonize yes; \
                 HOOKGATE_REDIS_URL=redis://127.0.0.1:16379 cargo test), or run bash .ci/run"
            );
            None
        }
    }
}

pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}-{}-{}", std::process::id(), SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos())
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A `redis-server` of this test's own, without persistence, killed when dropped.
pub(crate) struct OwnRedis {
    child: Option<Child>,
    pub(crate) port: u16,
}

impl OwnRedis {
    pub(crate) fn start(port: u16) -> Option<Self> {
        let child = match Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(_) if ci() => panic!("redis-server is not installed but CI=true"),
            Err(_) => {
                let _ = writeln!(std::io::stderr(), "SKIPPED a Redis test: no redis-server binary to start and stop");
                return None;
            }
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(10), "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self { child: Some(child), port })
    }

    pub(crate) fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
