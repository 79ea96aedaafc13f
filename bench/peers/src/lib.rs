//! Empty: the bench lives in `benches/peers.rs`.
