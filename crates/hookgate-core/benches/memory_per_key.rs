//! `cargo bench -p hookgate-core --bench memory_per_key`
//!
//! Bytes per remembered delivery at 1,000,000 keys of 30 characters, measured as RSS growth in a
//! fresh child process per structure, beside a bare `DashMap<String, u64>` in the same run.

#![allow(missing_docs)]

use std::time::Duration;

use futures_util::FutureExt as _;
use hookgate_core::{Claim, IdempotencyKey, IdempotencyStore, MemoryStore};

const N: usize = 1_000_000;

fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn id(i: usize) -> String {
    format!("evt_{i:026}") // 30 characters
}

fn child(which: &str) {
    // Keys are made on the fly so only the structure's own memory is counted.
    let before = rss_bytes();
    match which {
        "memory-store" => {
            let store = MemoryStore::builder().capacity(2 * N).build().unwrap();
            for i in 0..N {
                let key = IdempotencyKey::new("/webhooks", &id(i));
                // The memory store answers at once: its futures are ready when first polled.
                let claim = store.claim(&key, Duration::from_secs(60)).now_or_never().unwrap().unwrap();
                if let Claim::Acquired(t) = claim {
                    store.complete(&key, t, Duration::from_secs(86_400)).now_or_never().unwrap().unwrap();
                }
            }
            assert_eq!(store.len(), N);
            report(which, before);
            drop(store);
        }
        "dashmap-string-u64" => {
            let map = dashmap::DashMap::<String, u64>::new();
            for i in 0..N {
                map.insert(id(i), i as u64);
            }
            assert_eq!(map.len(), N);
            report(which, before);
            drop(map);
        }
        other => panic!("unknown {other}"),
    }
}

fn report(which: &str, before: usize) {
    let grown = rss_bytes().saturating_sub(before);
    println!(
        "{which:<22} {N} keys: RSS +{:.1} MiB = {:.1} bytes/key",
        grown as f64 / 1048576.0,
        grown as f64 / N as f64
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        child(&args[pos + 1]);
        return;
    }
    let exe = std::env::current_exe().unwrap();
    for which in ["memory-store", "dashmap-string-u64"] {
        let out = std::process::Command::new(&exe).args(["--child", which]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}
