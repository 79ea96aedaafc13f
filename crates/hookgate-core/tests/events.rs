//! The typed event models of the five providers Prime Bot, Promptha, Pollybot, TwaBot and SendPilot: every event type each
//! document lists deserialises into its own variant, and a type the document does not list (a
//! provider's new event) arrives as `Unknown` with its data kept, never as an error.

use hookgate_core::providers::{pollybot, primebot, promptha, sendpilot, twabot};
use serde_json::json;

/// The event types each document lists (each provider's webhook documentation, listed in `docs/providers.md`).
const PRIMEBOT: &[&str] = &[
    "ping",
    "message.received",
    "message.sent",
    "message.failed",
    "campaign.started",
    "campaign.paused",
    "campaign.completed",
    "sender.replied",
];
const PROMPTHA: &[&str] = &[
    "fabric.started",
    "fabric.completed",
    "fabric.failed",
    "ask.session.created",
    "ask.message",
    "ask.session.ended",
    "credits.low",
    "credits.depleted",
    "credits.purchased",
];
const POLLYBOT: &[&str] = &["LEAD_CREATED"];
const TWABOT: &[&str] =
    &["message.received", "message.sent", "conversation.created", "broadcast.completed", "ai.replied"];
const SENDPILOT: &[&str] = &["message.received", "connection.accepted"];

/// Deserialises `envelope(type, data)` with every listed type and one the document does not list.
fn check<E: serde::de::DeserializeOwned>(
    provider: &str,
    listed: &[&str],
    envelope: impl Fn(&str, serde_json::Value) -> serde_json::Value,
    kind_of: impl Fn(&E) -> (&str, bool, Option<&serde_json::Value>),
) {
    for &t in listed {
        let e: E = serde_json::from_value(envelope(t, json!({}))).unwrap_or_else(|err| panic!("{provider} {t}: {err}"));
        let (event_type, unknown, _) = kind_of(&e);
        assert_eq!(event_type, t, "{provider}");
        assert!(!unknown, "{provider} {t} has a variant of its own");
    }
    let data = json!({"something": "new", "n": 1});
    let e: E = serde_json::from_value(envelope("brand.new.event", data.clone())).expect("an unknown type never fails");
    let (event_type, unknown, kept) = kind_of(&e);
    assert_eq!((event_type, unknown, kept), ("brand.new.event", true, Some(&data)), "{provider}");
}

macro_rules! kind_of {
    ($module:ident) => {
        |e: &$module::Event| match &e.kind {
            $module::EventKind::Unknown { event_type, data } => (event_type.as_str(), true, Some(data)),
            k => (k.event_type(), false, None),
        }
    };
}

#[test]
fn primebot_events() {
    check(
        "primebot",
        PRIMEBOT,
        |t, d| json!({"id": "evt_1", "type": t, "created_at": "2026-04-21T16:02:41Z", "data": d}),
        kind_of!(primebot),
    );
}

#[test]
fn promptha_events() {
    check("promptha", PROMPTHA, |t, d| json!({"event": t, "timestamp": 1_700_000_000, "data": d}), kind_of!(promptha));
}

#[test]
fn pollybot_events() {
    check(
        "pollybot",
        POLLYBOT,
        |t, d| json!({"event": t, "timestamp": 1_700_000_000, "chatbot_id": "cb", "data": d}),
        kind_of!(pollybot),
    );
}

#[test]
fn twabot_events() {
    check(
        "twabot",
        TWABOT,
        |t, d| json!({"event": t, "timestamp": "2026-01-01T00:00:00Z", "data": d}),
        kind_of!(twabot),
    );
}

#[test]
fn sendpilot_events() {
    check("sendpilot", SENDPILOT, |t, d| json!({"eventId": "ev_1", "eventType": t, "data": d}), kind_of!(sendpilot));
}
