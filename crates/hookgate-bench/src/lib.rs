//! Shared pieces of hookgate's HTTP benchmarks: the 1 KiB signed body and the secret.
//! Run `bench/http.sh`; figures are recorded in `BENCHMARKS.md`.

/// The secret every benchmark server and request uses.
pub const SECRET: &str = "bench-secret-of-32-characters!!!";

/// A 1 KiB JSON body (GitHub-like push event), varied by `n` so deliveries differ.
pub fn body(n: usize) -> String {
    let head = format!(r#"{{"ref":"refs/heads/main","delivery":"{n:08}","pad":""#);
    let mut b = head;
    b.push_str(&"x".repeat(1024 - b.len() - 2));
    b.push_str(r#""}"#);
    debug_assert_eq!(b.len(), 1024);
    b
}
