//! Full verification for every preset over arbitrary bodies and edits of a signed request:
//! an untouched signed request always verifies and its delivery id / event type agree with
//! serde_json's reading of the body; any body edit is refused; arbitrary extra or duplicated
//! headers never panic and end in 400/401.
#![no_main]

use arbitrary::Arbitrary;
use hookgate_core::{IdSource, Verifier};
use hookgate_fuzz::{case, signed, verify_both};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Edit {
    /// Flip bits of one body byte.
    Body { at: u16, xor: u8 },
    /// Replace the value of header `which`.
    Replace { which: u8, value: Vec<u8> },
    /// Send header `which` a second time with this value.
    Repeat { which: u8, value: Vec<u8> },
    /// Add any header.
    Add { name: String, value: Vec<u8> },
    /// Drop header `which`.
    Drop { which: u8 },
}

#[derive(Debug, Arbitrary)]
struct Input {
    case: u8,
    body: Vec<u8>,
    edits: Vec<Edit>,
}

/// The string or integer at `path` when serde_json reads `body` as an object, or `None`.
fn reference(body: &[u8], path: &str) -> Option<Option<String>> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    if !value.is_object() {
        return Some(None);
    }
    let mut at = &value;
    for seg in path.split('.') {
        // Duplicate keys: serde_json keeps the last one, hookgate the first; skip those bodies.
        if count(body, seg) > 1 {
            return None;
        }
        match at.get(seg) {
            Some(v) => at = v,
            None => return Some(None),
        }
    }
    Some(match at {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        serde_json::Value::Number(_) => return None, // float rendering differs, not an id in practice
        _ => None,
    })
}

fn count(body: &[u8], key: &str) -> usize {
    let needle = format!("\"{key}\"");
    body.windows(needle.len()).filter(|w| *w == needle.as_bytes()).count() + usize::from(body.contains(&b'\\')) // an escaped spelling could hide a duplicate
}

fn check_metadata(verifier: &Verifier, body: &[u8], ok: &hookgate_core::Verified) {
    if let IdSource::BodyField(path) = verifier.scheme().id_source() {
        if let Some(expected) = reference(body, &path.to_string()) {
            match expected {
                Some(id) => assert_eq!(ok.delivery_id(), id, "delivery id from the body"),
                None => assert!(ok.delivery_id().starts_with("sha256:"), "no id in body: {:?}", ok.delivery_id()),
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let (verifier, secret) = case(usize::from(input.case));
    let body = input.body;
    let mut headers = signed(&verifier, &secret, &body);
    let ok = verify_both(&verifier, &headers, &body).expect("a correctly signed request verifies");
    check_metadata(&verifier, &body, &ok);

    let original = body.clone();
    let mut body = body;
    for edit in input.edits.into_iter().take(8) {
        let n = headers.len().max(1);
        match edit {
            Edit::Body { at, xor } if !body.is_empty() && xor != 0 => {
                let i = usize::from(at) % body.len();
                body[i] ^= xor;
            }
            Edit::Body { .. } => {}
            Edit::Replace { which, value } if !headers.is_empty() => headers[usize::from(which) % n].1 = value,
            Edit::Repeat { which, value } if !headers.is_empty() => {
                let name = headers[usize::from(which) % n].0.clone();
                headers.push((name, value));
            }
            Edit::Add { name, value } => headers.push((name, value)),
            Edit::Drop { which } if !headers.is_empty() => {
                headers.remove(usize::from(which) % n);
            }
            _ => {}
        }
    }
    let verdict = verify_both(&verifier, &headers, &body);
    // GitLab's shared token covers no content.
    if body != original && verifier.scheme().algorithm() != hookgate_core::Algorithm::Token {
        assert!(verdict.is_none(), "a changed body verified");
    }
});
