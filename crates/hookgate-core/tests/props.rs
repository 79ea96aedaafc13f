//! Property tests: sign → verify round-trips for every preset; any one-byte change to a signed
//! part is rejected; header parsers fed arbitrary bytes return errors and never panic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hookgate_core::{ContentPart, IdSource, Preset, Secret, SignOptions, Verifier};
use proptest::prelude::*;

const TS: i64 = 1_700_000_000;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(TS as u64)
}

fn verifier(p: Preset) -> (Verifier, Secret) {
    let text = hookgate_core::example_secret(p);
    let scheme = p.scheme();
    (
        Verifier::new(scheme.clone(), Secret::for_scheme(&scheme, text).unwrap()),
        Secret::for_scheme(&scheme, text).unwrap(),
    )
}

/// Presets whose signature is a header, whose signed content needs no URL and that accept any
/// body (the URL-signing ones, Mailgun's in-body signature, Linear's required body timestamp and
/// X's JSON-only deliveries are covered by their vectors and `behaviour.rs`).
fn preset() -> impl Strategy<Value = Preset> {
    proptest::sample::select(Preset::ALL.into_iter().filter(accepts_any_body).collect::<Vec<_>>())
}

fn accepts_any_body(p: &Preset) -> bool {
    let s = p.scheme();
    let body_timestamp = matches!(s.timestamp_source(), hookgate_core::TimestampSource::BodyField(_));
    s.signature_field().is_none()
        && !s.signs_url()
        && !(body_timestamp && s.enforces_timestamp())
        && s.handshake() != Some(hookgate_core::Handshake::XCrc)
}

/// Of those, the ones whose signature covers the raw body bytes (not GitLab's shared token).
fn body_signing_preset() -> impl Strategy<Value = Preset> {
    let covers_body = |p: &Preset| {
        let s = p.scheme();
        s.signature_field().is_none()
            && !s.signs_url()
            && s.algorithm() != hookgate_core::Algorithm::Token
            && s.signed_content().parts().contains(&ContentPart::Body)
    };
    proptest::sample::select(Preset::ALL.into_iter().filter(covers_body).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip(p in preset(), body in proptest::collection::vec(any::<u8>(), 0..2048),
                  id in "[A-Za-z0-9_-]{1,40}", skew in -300i64..=300) {
        let (v, s) = verifier(p);
        let h = v.scheme().sign(&s, &body, &SignOptions { id: Some(&id), timestamp: Some(TS + skew), event_type: Some("e"), ..Default::default() }).unwrap();
        let ok = v.verify(&h, &body, now()).unwrap();
        if matches!(v.scheme().id_source(), IdSource::Header(_)) {
            prop_assert_eq!(ok.delivery_id(), id.as_str());
        }
    }

    #[test]
    fn one_byte_of_body_changed_is_rejected(p in body_signing_preset(), body in proptest::collection::vec(any::<u8>(), 1..512),
                                             at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let (v, s) = verifier(p);
        let h = v.scheme().sign(&s, &body, &SignOptions { timestamp: Some(TS), ..Default::default() }).unwrap();
        let mut bad = body.clone();
        let i = at.index(bad.len());
        bad[i] ^= flip;
        prop_assert!(v.verify(&h, &bad, now()).is_err());
    }

    #[test]
    fn one_byte_of_signed_header_changed_is_rejected(p in body_signing_preset(), body in proptest::collection::vec(any::<u8>(), 0..256),
                                                     which in 0usize..3, at in any::<prop::sample::Index>(), c in any::<u8>()) {
        let (v, s) = verifier(p);
        let h = v.scheme().sign(&s, &body, &SignOptions { id: Some("dlv_42"), timestamp: Some(TS), ..Default::default() }).unwrap();
        let content = v.scheme().signed_content();
        // Pick the signature header, or a header whose value is signed (id / timestamp).
        let signed_names: Vec<String> = h.iter().enumerate().filter(|(i, (name, _))| {
            *i == 0 || (content.parts().contains(&ContentPart::Id) && Some(name.as_str()) == id_header(&v))
                || (content.parts().contains(&ContentPart::Timestamp) && Some(name.as_str()) == ts_header(&v))
        }).map(|(_, (n, _))| n.clone()).collect();
        let name = &signed_names[which % signed_names.len()];
        let mut h2 = h.clone();
        let val = &mut h2.iter_mut().find(|(n, _)| n == name).unwrap().1;
        let mut bytes = val.clone().into_bytes();
        let i = at.index(bytes.len());
        prop_assume!(bytes[i] != c && c.is_ascii_graphic());
        // Hex is case-insensitive and base64 padding is optional: those edits keep the same MAC.
        prop_assume!(!bytes[i].eq_ignore_ascii_case(&c) && bytes[i] != b'=' && c != b'=');
        bytes[i] = c;
        *val = String::from_utf8(bytes).unwrap();
        let shown = val.clone();
        prop_assert!(v.verify(&h2, &body, now()).is_err(), "{} {} accepted", name, shown);
    }

    #[test]
    fn arbitrary_header_bytes_never_panic(p in preset(), raw in proptest::collection::vec(any::<u8>(), 0..300),
                                          target in 0usize..4) {
        let (v, _) = verifier(p);
        let names = [v.scheme().signature_header().to_owned(), id_header(&v).unwrap_or("x-id").to_owned(),
                     ts_header(&v).unwrap_or("x-ts").to_owned(), "x-github-event".to_owned()];
        let h: Vec<(String, Vec<u8>)> = names.iter().enumerate()
            .map(|(i, n)| (n.clone(), if i == target { raw.clone() } else { b"1700000000".to_vec() }))
            .collect();
        let body = b"{}";
        let r = v.verify(&h, body, now());
        if let Err(e) = r { prop_assert!(e.status() == 400 || e.status() == 401); }
    }

    #[test]
    fn structured_garbage_signature_lists(p in preset(), parts in proptest::collection::vec("(t|v1|v1a|s|v0|x)?[=,]?[A-Za-z0-9+/=]{0,90}", 0..8),
                                           sep in prop::sample::select(vec![",", " ", ", "])) {
        let (v, _) = verifier(p);
        let value = parts.join(sep);
        let h = vec![(v.scheme().signature_header().to_owned(), value), ("webhook-id".into(), "m".into()),
                     ("svix-id".into(), "m".into()), ("webhook-timestamp".into(), TS.to_string()),
                     ("svix-timestamp".into(), TS.to_string())];
        let refused = v.verify(&h, b"{}", now()).is_err();
        prop_assert!(refused);
    }
}

fn id_header(v: &Verifier) -> Option<&str> {
    match v.scheme().id_source() {
        IdSource::Header(h) => Some(h),
        _ => None,
    }
}

fn ts_header(v: &Verifier) -> Option<&str> {
    match v.scheme().timestamp_source() {
        hookgate_core::TimestampSource::Header(h) => Some(h),
        _ => None,
    }
}
