//! Every header a preset reads (signature, timestamp, id, event type), replaced by arbitrary
//! bytes in an otherwise correctly signed request: never a panic, always 400/401, and a replaced
//! signature header never verifies.
#![no_main]

use hookgate_fuzz::{case, signed, verify_both};
use libfuzzer_sys::fuzz_target;

const BODY: &[u8] = br#"{"id":"evt_1","type":"fuzz.event","event":"fuzz.event","eventId":"e1","eventType":"t","data":{"eventId":"e2","message_id":"m1"}}"#;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, value)) = data.split_first() else { return };
    let Some((&which, value)) = value.split_first() else { return };
    let (verifier, secret) = case(usize::from(sel));
    let good = signed(&verifier, &secret, BODY);
    let which = usize::from(which) % good.len();
    let mut headers = good.clone();
    headers[which].1 = value.to_vec();
    let replaced_signature = headers[which].0 == verifier.scheme().signature_header();
    if verify_both(&verifier, &headers, BODY).is_some() && replaced_signature {
        // Only the original value (or an equivalent spelling of the same MAC) may verify.
        let v = String::from_utf8_lossy(value);
        let orig = String::from_utf8_lossy(&good[which].1);
        assert!(
            v.contains(orig.rsplit([',', '=', ' ']).next().unwrap_or("")) || orig.eq_ignore_ascii_case(&v),
            "forged signature header verified: {v:?}"
        );
    }
});
