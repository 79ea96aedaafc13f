//! `cargo bench -p hookgate-core --bench probe`
//!
//! What `verify` adds to `authenticate` for Slack, whose event type and id come from the JSON
//! body: both run back to back in each of 41 rounds, on the table's 1 KiB body (plain strings
//! only) and on a 915-byte Slack `event_callback` written as Slack writes it (`\/` in links, `\n`
//! and `\u` escapes in message text). Medians over the rounds of `verify` − `authenticate`.

#![allow(missing_docs)]

use std::hint::black_box;

use hookgate_core::Preset;

#[path = "verify.rs"]
#[allow(dead_code)]
mod shared;

const ROUNDS: usize = 41;

/// A Slack Events API delivery (915 bytes), with the escapes Slack's JSON carries.
fn slack_event() -> Vec<u8> {
    let block = r#"{"type":"rich_text","block_id":"b1","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"Deploy finished: <https:\/\/ci.example.com\/build\/4711|build 4711> \u2705\nAll 312 tests passed."}]}]}"#;
    let event = format!(
        r#"{{"type":"message","channel":"C024BE91L","user":"U2147483697","text":"Deploy finished: <https:\/\/ci.example.com\/build\/4711|build 4711> \u2705\nAll 312 tests passed, see <https:\/\/ci.example.com\/build\/4711\/log>.","ts":"1355517523.000005","blocks":[{block},{block}],"event_ts":"1355517523.000005","channel_type":"channel"}}"#
    );
    format!(
        r#"{{"token":"XXYYZZ","team_id":"T061EG9R6","api_app_id":"A0PNCHHK2","event":{event},"type":"event_callback","authed_users":["U061F7AUR"],"event_id":"Ev9UQ52YNA","event_time":1355517523}}"#
    )
    .into_bytes()
}

fn main() {
    let now = shared::now();
    println!("| Slack body | bytes | authenticate (ns) | verify (ns) | verify − authenticate (ns) |");
    println!("|---|---|---|---|---|");
    for (label, body) in
        [("the table's body (plain strings)", shared::body(1024)), ("an event_callback with escapes", slack_event())]
    {
        let (verifier, headers) = shared::signed(Preset::Slack, &body, "msg_1");
        let v = verifier.verify(&headers, &body, now).expect("the probe bench's body verifies");
        assert_eq!(v.event_type(), Some(if label.starts_with("an") { "message" } else { "invoice.paid" }));
        let (mut a, mut w, mut d) = (vec![], vec![], vec![]);
        for _ in 0..ROUNDS {
            let au = shared::per_call(2000, || {
                black_box(verifier.authenticate(black_box(&headers), black_box(&body), now).unwrap().secret_index());
            });
            let ve = shared::per_call(2000, || {
                black_box(verifier.verify(black_box(&headers), black_box(&body), now).unwrap());
            });
            a.push(au);
            w.push(ve);
            d.push(ve - au);
        }
        println!(
            "| {label} | {} | {:.0} | {:.0} | {:.0} |",
            body.len(),
            shared::median(&mut a),
            shared::median(&mut w),
            shared::median(&mut d)
        );
    }
}
