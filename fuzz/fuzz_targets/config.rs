//! `hookgate.toml` parsing (the CLI's own config module, compiled as is): arbitrary text never
//! panics, and every refusal names the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unreachable_pub)]
#[path = "../../crates/hookgate-cli/src/config.rs"]
mod config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match config::from_toml("hookgate.toml", text, None) {
        Ok(cfg) => assert!(!cfg.endpoints.is_empty()),
        Err(e) => assert!(format!("{e:#}").starts_with("hookgate.toml"), "{e:#}"),
    }
});
