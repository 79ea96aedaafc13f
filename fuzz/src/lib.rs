//! Shared set-up for the fuzz targets: one verifier per preset (plus the Ed25519 variant of
//! Standard Webhooks), with the secrets the targets sign with.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hookgate_core::{Preset, Secret, Verifier};

/// "now" for every target, so replay checks are deterministic.
pub const NOW: i64 = 1_700_000_000;

/// `NOW` as a `SystemTime`.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW as u64)
}

/// A signing key for the `v1a` variant: seed bytes 7,7,7...
pub const ED25519_SIGNING: &str = "whsk_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

/// The presets the targets sign and verify: every one whose signature is a header, whose signed
/// content needs no request URL and that accepts any body (Twilio, Square and HubSpot sign the
/// URL; Mailgun signs inside a JSON body, Linear requires a timestamp in it, X accepts only JSON
/// objects: their parsers are reached through the same header and body code).
pub fn presets() -> Vec<Preset> {
    Preset::ALL
        .into_iter()
        .filter(|p| {
            let s = p.scheme();
            let body_timestamp = matches!(s.timestamp_source(), hookgate_core::TimestampSource::BodyField(_));
            s.signature_field().is_none()
                && !s.signs_url()
                && !(body_timestamp && s.enforces_timestamp())
                && s.handshake() != Some(hookgate_core::Handshake::XCrc)
        })
        .collect()
}

/// Verifier + signing secret for case `i`: the presets above, then Ed25519 Standard Webhooks.
pub fn case(i: usize) -> (Verifier, Secret) {
    let list = presets();
    let (preset, text) = match i % (list.len() + 1) {
        n if n == list.len() => (Preset::StandardWebhooks, ED25519_SIGNING),
        n => (list[n], hookgate_core::example_secret(list[n])),
    };
    let scheme = preset.scheme();
    let secret = Secret::for_scheme(&scheme, text).expect("fuzz secrets are valid");
    let verify_with = Secret::for_scheme(&scheme, text).expect("fuzz secrets are valid");
    (Verifier::new(scheme, verify_with), secret)
}

/// Headers of a correctly signed request for `body` at `NOW` (signature first).
pub fn signed(v: &Verifier, secret: &Secret, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let opts =
        hookgate_core::SignOptions { id: Some("msg_fuzz"), timestamp: Some(NOW), event_type: Some("fuzz.event"), ..Default::default() };
    v.scheme()
        .sign(secret, body, &opts)
        .expect("every case can sign")
        .into_iter()
        .map(|(k, v)| (k, v.into_bytes()))
        .collect()
}

/// The contract's statuses for a refused signature: 400 (malformed) or 401 (not genuine).
pub fn check_refusal(e: &hookgate_core::VerifyError) {
    assert!(matches!(e.status(), 400 | 401), "status {} for {e}", e.status());
    let text = e.to_string();
    assert!(
        !text.contains("s3cret-for-tests") && !text.contains("C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
        "secret in error: {text}"
    );
}

/// `verify` (full metadata) and `authenticate` (the security decision alone) must agree.
pub fn verify_both(v: &Verifier, headers: &[(String, Vec<u8>)], body: &[u8]) -> Option<hookgate_core::Verified> {
    let full = v.verify(headers, body, now());
    let auth = v.authenticate(headers, body, now());
    match (&full, &auth) {
        (Ok(_), Ok(_)) => {}
        (Err(a), Err(b)) => {
            check_refusal(a);
            assert_eq!(a.status(), b.status(), "verify: {a} / authenticate: {b}");
        }
        (Ok(_), Err(e)) => panic!("verify accepted, authenticate refused: {e}"),
        // Only the metadata step may add a refusal: an event-type header sent twice, differently.
        (Err(e), Ok(_)) => {
            check_refusal(e);
            assert_eq!(e.status(), 400, "authenticate accepted, verify refused: {e}");
        }
    }
    full.ok()
}
