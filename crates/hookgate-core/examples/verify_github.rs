//! Run with: `cargo run -p hookgate-core --example verify_github`
//!
//! Verifies GitHub's published example delivery, then shows what a tampered body gets.

use std::time::SystemTime;

use hookgate_core::{Preset, Verifier};

fn main() {
    let verifier = Verifier::for_preset(Preset::Github, &["It's a Secret to Everybody"]).expect("valid secret");
    let headers = [
        ("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
        ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
        ("X-GitHub-Event", "push"),
    ];
    match verifier.verify(&headers, b"Hello, World!", SystemTime::now()) {
        Ok(v) => println!("verified: delivery {} event {:?}", v.delivery_id(), v.event_type()),
        Err(e) => println!("refused ({}): {e}", e.status()),
    }
    match verifier.verify(&headers, b"Hello, World?", SystemTime::now()) {
        Ok(_) => println!("unexpected: tampered body verified"),
        Err(e) => println!("tampered body refused ({}): {e}", e.status()),
    }
}
