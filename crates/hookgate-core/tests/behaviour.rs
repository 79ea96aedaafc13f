//! Every refusal the contract names, rotation, replay in both directions, multi-signatures.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hookgate_core::{
    Algorithm, Encoding, IdSource, Preset, ReplayWindow, RequestLine, Scheme, Secret, Secrets, SignOptions,
    SignatureSyntax, TestRequest, TimestampSource, Verifier, VerifyError, VerifyErrorKind, example_secret,
    example_wrong_secret,
};

const TS: i64 = 1_700_000_000;

fn at(s: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(s as u64)
}

fn signed(preset: Preset, secret: &str, body: &[u8]) -> (Verifier, Vec<(String, String)>) {
    let scheme = preset.scheme();
    let s = Secret::for_scheme(&scheme, secret).unwrap();
    let h = scheme
        .sign(
            &s,
            body,
            &SignOptions { id: Some("dlv_1"), timestamp: Some(TS), event_type: Some("push"), ..Default::default() },
        )
        .unwrap();
    (Verifier::new(scheme, s), h)
}

fn set(h: &mut Vec<(String, String)>, name: &str, value: &str) {
    h.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    h.push((name.to_owned(), value.to_owned()));
}

fn kind(v: &Verifier, h: &[(String, String)], body: &[u8], now: i64) -> VerifyErrorKind {
    v.verify(h, body, at(now)).unwrap_err().kind()
}

const SW: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// A request signed for any preset with its example secret (URL-signing presets sign the test
/// request's URL; Mailgun signs inside the body), and its verifier.
fn request(p: Preset, body: &[u8]) -> (Verifier, TestRequest) {
    let secret = example_secret(p);
    let req = TestRequest::signed(p, secret, body.to_vec()).id("dlv_1").timestamp(TS).event_type("push");
    (Verifier::for_preset(p, &[secret]).unwrap(), req)
}

/// Verifies `req` (as sent to its URL) with `body`.
fn check(v: &Verifier, req: &TestRequest, body: &[u8]) -> Result<hookgate_core::Verified, VerifyError> {
    v.verify_request(RequestLine::post().url(req.full_url()), req.headers(), body, at(TS))
}

#[test]
fn missing_or_empty_signature_is_401() {
    for p in Preset::ALL {
        let (v, req) = request(p, b"{}");
        let e = match v.scheme().signature_field() {
            // Mailgun: a body without its signature field.
            Some(_) => check(&v, &req, br#"{"signature":{"timestamp":"1","token":"t"}}"#).unwrap_err(),
            None => {
                let name = v.scheme().signature_header().to_owned();
                assert_eq!(
                    check(&v, &req.clone().header(&name, ""), b"{}").unwrap_err().kind(),
                    VerifyErrorKind::MissingSignature,
                    "{p}"
                );
                check(&v, &req.without(&name), b"{}").unwrap_err()
            }
        };
        assert_eq!((e.kind(), e.status()), (VerifyErrorKind::MissingSignature, 401), "{p}");
    }
}

#[test]
fn missing_id_or_timestamp_header_is_400() {
    let (v, mut h) = signed(Preset::Github, "s", b"{}");
    h.retain(|(k, _)| k != "x-github-delivery");
    let e = v.verify(&h, b"{}", at(TS)).unwrap_err();
    assert_eq!(
        (e.kind(), e.status(), e.header_name()),
        (VerifyErrorKind::MissingHeader, 400, Some("x-github-delivery"))
    );

    let (v, mut h) = signed(Preset::StandardWebhooks, SW, b"{}");
    h.retain(|(k, _)| k != "webhook-timestamp");
    assert_eq!(kind(&v, &h, b"{}", TS), VerifyErrorKind::MissingHeader);

    let (v, mut h) = signed(Preset::Primebot, "s", b"{}");
    h.retain(|(k, _)| k != "x-primebot-timestamp");
    assert_eq!(kind(&v, &h, b"{}", TS), VerifyErrorKind::MissingHeader);
}

#[test]
fn malformed_headers_are_400() {
    let cases: &[(Preset, &str, &str)] = &[
        (Preset::Github, "x-hub-signature-256", "sha256=xyz"),
        (Preset::Github, "x-hub-signature-256", "sha256=abcd"),
        (Preset::Github, "x-hub-signature-256", "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
        (Preset::Shopify, "x-shopify-hmac-sha256", "not*base64"),
        (Preset::Shopify, "x-shopify-hmac-sha256", "YWJj"),
        (Preset::Stripe, "stripe-signature", "v1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
        (Preset::Stripe, "stripe-signature", "t=1700000000,v1"),
        (
            Preset::Stripe,
            "stripe-signature",
            "t=17e8,v1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        ),
        (Preset::Stripe, "stripe-signature", "t=1700000000,v1=zz"),
        (Preset::StandardWebhooks, "webhook-signature", "v1"),
        (Preset::StandardWebhooks, "webhook-signature", "v1,!!!"),
        (Preset::StandardWebhooks, "webhook-timestamp", "yesterday"),
        (Preset::StandardWebhooks, "webhook-timestamp", "-5"),
        (Preset::Primebot, "x-primebot-timestamp", "1.7e9"),
    ];
    for (p, name, value) in cases {
        let secret = if matches!(p, Preset::StandardWebhooks) { SW } else { "s" };
        let (v, mut h) = signed(*p, secret, b"{}");
        set(&mut h, name, value);
        let e = v.verify(&h, b"{}", at(TS)).unwrap_err();
        assert_eq!(e.status(), 400, "{p} {name}: {value} -> {e}");
    }
}

#[test]
fn absurd_lengths_and_counts_are_400() {
    let (v, mut h) = signed(Preset::StandardWebhooks, SW, b"{}");
    set(&mut h, "webhook-signature", &"v1,".repeat(2000));
    assert_eq!(kind(&v, &h, b"{}", TS), VerifyErrorKind::MalformedHeader);
    let many = ["v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="; 9].join(" ");
    set(&mut h, "webhook-signature", &many);
    assert_eq!(kind(&v, &h, b"{}", TS), VerifyErrorKind::MalformedHeader);
    set(&mut h, "webhook-signature", &format!("v1,{}", "A".repeat(200)));
    assert_eq!(kind(&v, &h, b"{}", TS), VerifyErrorKind::MalformedHeader);
    let (v, mut h) = signed(Preset::Github, "s", b"{}");
    set(&mut h, "x-github-delivery", &"d".repeat(600));
    assert_eq!(kind(&v, &h, b"{}", TS), VerifyErrorKind::MalformedHeader);
}

#[test]
fn ambiguous_input_is_refused() {
    // Two different t= values.
    let (v, h) = signed(Preset::Stripe, "s", b"{}");
    let sig = h[0].1.clone();
    let mut h2 = h.clone();
    set(&mut h2, "stripe-signature", &format!("{sig},t=1700000001"));
    assert_eq!(kind(&v, &h2, b"{}", TS), VerifyErrorKind::AmbiguousHeader);
    // The same t= twice is fine.
    set(&mut h2, "stripe-signature", &format!("{sig},t={TS}"));
    assert!(v.verify(&h2, b"{}", at(TS)).is_ok());
    // The signature header sent twice with different values.
    let mut h3 = h.clone();
    h3.push(("Stripe-Signature".into(), format!("t={TS},v1={}", "0".repeat(64))));
    assert_eq!(kind(&v, &h3, b"{}", TS), VerifyErrorKind::AmbiguousHeader);
    // ... and twice with the same value.
    let mut h4 = h.clone();
    h4.push(("Stripe-Signature".into(), sig));
    assert!(v.verify(&h4, b"{}", at(TS)).is_ok());
}

#[test]
fn wrong_secret_and_tampering_are_401() {
    for p in Preset::ALL {
        let body = br#"{"id":"evt_1","type":"t","event":"e","signature":{"timestamp":"1700000000","token":"tok"}}"#;
        let (v, req) = request(p, body);
        let sent = req.bytes().clone();
        assert!(check(&v, &req, &sent).is_ok(), "{p}");
        // GitLab's token covers no content, and Mailgun signs only its token and timestamp.
        let covers_body = v.scheme().algorithm() != Algorithm::Token && v.scheme().signature_field().is_none();
        let tampered = String::from_utf8(sent.to_vec())
            .unwrap()
            .replace("\"event\":\"e\"", "\"event\":\"E\"")
            .replace("tok", "TOK");
        let e = check(&v, &req, tampered.as_bytes());
        if covers_body || v.scheme().signature_field().is_some() {
            let e = e.unwrap_err();
            assert_eq!((e.kind(), e.status()), (VerifyErrorKind::SignatureMismatch, 401), "{p}");
            // The error text never contains a secret or the expected signature.
            let text = e.to_string();
            let signature = req.headers().first().map_or("-", |(_, v)| v.as_str());
            assert!(!text.contains(example_secret(p)) && !text.contains(signature), "{text}");
        } else {
            assert!(e.is_ok(), "{p}");
        }
        let wrong = Verifier::for_preset(p, &[example_wrong_secret(p)]).unwrap();
        assert_eq!(check(&wrong, &req, &sent).unwrap_err().kind(), VerifyErrorKind::SignatureMismatch, "{p}");
    }
}

#[test]
fn rotation_old_and_new_verify_expired_does_not() {
    let scheme = Preset::Stripe.scheme();
    let old = Secret::hmac("old").unwrap();
    let new = Secret::hmac("new").unwrap();
    let by_old = scheme.sign(&old, b"{}", &SignOptions { timestamp: Some(TS), ..Default::default() }).unwrap();
    let by_new = scheme.sign(&new, b"{}", &SignOptions { timestamp: Some(TS), ..Default::default() }).unwrap();
    let expiry = at(TS + 10);
    let v = Verifier::new(scheme, Secrets::new(vec![new, Secret::hmac("old").unwrap().expires_at(expiry)]).unwrap());
    assert_eq!(v.verify(&by_new, b"{}", at(TS)).unwrap().secret_index(), 0);
    assert_eq!(v.verify(&by_old, b"{}", at(TS)).unwrap().secret_index(), 1);
    assert_eq!(kind(&v, &by_old, b"{}", TS + 10), VerifyErrorKind::SignatureMismatch);
    assert!(v.verify(&by_new, b"{}", at(TS + 10)).is_ok());
}

#[test]
fn replay_window_both_directions() {
    for p in [
        Preset::StandardWebhooks,
        Preset::Svix,
        Preset::Stripe,
        Preset::Slack,
        Preset::Primebot,
        Preset::Promptha,
        Preset::Sendpilot,
    ] {
        let secret = if matches!(p, Preset::StandardWebhooks | Preset::Svix) { SW } else { "s" };
        let (v, h) = signed(p, secret, b"{}");
        assert!(v.verify(&h, b"{}", at(TS + 300)).is_ok(), "{p}");
        assert!(v.verify(&h, b"{}", at(TS - 300)).is_ok(), "{p}");
        let e = v.verify(&h, b"{}", at(TS + 301)).unwrap_err();
        assert_eq!((e.kind(), e.status(), e.out_of_window_by()), (VerifyErrorKind::Stale, 401, Some(1)), "{p}");
        let e = v.verify(&h, b"{}", at(TS - 302)).unwrap_err();
        assert_eq!((e.kind(), e.out_of_window_by()), (VerifyErrorKind::Future, Some(2)), "{p}");
    }
    // Separately configurable.
    let (v, h) = signed(Preset::Stripe, "s", b"{}");
    let v = v.with_window(ReplayWindow::new(Duration::from_secs(10), Duration::from_secs(0)));
    assert!(v.verify(&h, b"{}", at(TS + 10)).is_ok());
    assert!(v.verify(&h, b"{}", at(TS - 1)).is_err());
    // Schemes without timestamps ignore the window.
    let (v, h) = signed(Preset::Github, "s", b"{}");
    assert!(v.verify(&h, b"{}", at(TS + 10_000_000)).is_ok());
}

#[test]
fn several_signatures_one_valid() {
    let (v, h) = signed(Preset::Stripe, "s", b"{}");
    let good = h[0].1.split_once(",v1=").unwrap().1.to_owned();
    let bad = "0".repeat(64);
    for value in [
        format!("t={TS},v1={bad},v1={good}"),
        format!("t={TS},v1={good},v1={bad},v0={bad}"),
        format!("v2={bad},t={TS},v1={good}"),
    ] {
        let h = vec![("stripe-signature".to_owned(), value)];
        assert!(v.verify(&h, b"{}", at(TS)).is_ok());
    }
    let only_v0 = vec![("stripe-signature".to_owned(), format!("t={TS},v0={good}"))];
    assert_eq!(kind(&v, &only_v0, b"{}", TS), VerifyErrorKind::MissingSignature);
}

#[test]
fn non_utf8_body_verifies() {
    let body = [0xff, 0xfe, 0x00, 0x80, b'{'];
    // Mailgun's signature and Linear's required timestamp live inside a JSON body, which this is not.
    let json_only = |p: &Preset| {
        let s = p.scheme();
        s.signature_field().is_some()
            || (matches!(s.timestamp_source(), TimestampSource::BodyField(_)) && s.enforces_timestamp())
    };
    for p in Preset::ALL.into_iter().filter(|p| !json_only(p)) {
        let (v, req) = request(p, &body);
        let ok = check(&v, &req, &body).unwrap();
        assert!(!ok.delivery_id().is_empty(), "{p}");
    }
}

#[test]
fn custom_scheme_from_parts() {
    let scheme = Scheme::builder("acme")
        .signature_header("X-Acme-Sig")
        .syntax(SignatureSyntax::params("ts", "sig"))
        .encoding(Encoding::Base64)
        .signed_content_template("acme:{timestamp}:{body}")
        .unwrap()
        .timestamp(TimestampSource::SignatureParam)
        .id(IdSource::Header("X-Acme-Id".into()))
        .build()
        .unwrap();
    let s = Secret::hmac("k").unwrap();
    let h = scheme
        .sign(
            &s,
            b"hello",
            &SignOptions { id: Some("a1"), timestamp: Some(TS), event_type: None, ..Default::default() },
        )
        .unwrap();
    assert!(h[0].1.starts_with(&format!("ts={TS},sig=")));
    let v = Verifier::new(scheme, s);
    let ok = v.verify(&h, b"hello", at(TS)).unwrap();
    assert_eq!((ok.delivery_id(), ok.timestamp()), ("a1", Some(TS)));
    assert!(v.verify(&h, b"hellO", at(TS)).is_err());
}

#[test]
fn digest_id_covers_signed_timestamp() {
    // Two Stripe deliveries with the same body but different t= are different deliveries
    // when the body carries no id.
    let scheme = Preset::Stripe.scheme();
    let s = Secret::hmac("s").unwrap();
    let a = scheme.sign(&s, b"{}", &SignOptions { timestamp: Some(TS), ..Default::default() }).unwrap();
    let b = scheme.sign(&s, b"{}", &SignOptions { timestamp: Some(TS + 1), ..Default::default() }).unwrap();
    let v = Verifier::new(scheme, s);
    let (ia, ib) = (v.verify(&a, b"{}", at(TS)).unwrap(), v.verify(&b, b"{}", at(TS)).unwrap());
    assert!(ia.delivery_id().starts_with("sha256:") && ia.delivery_id() != ib.delivery_id());
    assert_eq!(ia.delivery_id(), v.verify(&a, b"{}", at(TS + 5)).unwrap().delivery_id());
}

/// Id and timestamp headers that are not UTF-8 are refused (400), by `authenticate` and `verify`
/// alike, and non-ASCII UTF-8 ids verify.
#[test]
fn non_utf8_id_or_timestamp_is_400() {
    let cases = [
        (Preset::StandardWebhooks, SW, "webhook-id"),
        (Preset::StandardWebhooks, SW, "webhook-timestamp"),
        (Preset::Github, "s3cret", "x-github-delivery"),
    ];
    for (preset, secret, name) in cases {
        let (v, h) = signed(preset, secret, b"{}");
        let mut bytes: Vec<(String, Vec<u8>)> =
            h.iter().map(|(k, val)| (k.to_ascii_lowercase(), val.clone().into_bytes())).collect();
        for (k, val) in &mut bytes {
            if k == name {
                val.extend_from_slice(b"\xff");
            }
        }
        let a = v.authenticate(&bytes, b"{}", at(TS)).unwrap_err();
        let b = v.verify(&bytes, b"{}", at(TS)).unwrap_err();
        for e in [a, b] {
            assert_eq!((e.kind(), e.header_name()), (VerifyErrorKind::MalformedHeader, Some(name)), "{e}");
            assert!(e.to_string().contains("UTF-8"), "{e}");
        }
    }
    // A non-ASCII UTF-8 id is text like any other: it verifies and is reported as sent.
    let scheme = Preset::StandardWebhooks.scheme();
    let s = Secret::for_scheme(&scheme, SW).unwrap();
    let h = scheme
        .sign(
            &s,
            b"{}",
            &SignOptions { id: Some("msg_é✓"), timestamp: Some(TS), event_type: None, ..Default::default() },
        )
        .unwrap();
    let v = Verifier::new(scheme, s);
    assert_eq!(v.authenticate(&h, b"{}", at(TS)).unwrap(), 0);
    assert_eq!(v.verify(&h, b"{}", at(TS)).unwrap().delivery_id(), "msg_é✓");
}

/// A malformed HMAC signature is refused as malformed (400) whichever secret is tried first and
/// whatever else the header holds: beside a valid one, when every secret has expired, and when an
/// Ed25519 key comes first and the header's `v1a` signature is valid.
#[test]
fn a_malformed_signature_is_400_whichever_secret_is_tried() {
    let (v, h) = signed(Preset::Stripe, "s", b"{}");
    let good = h[0].1.split_once(",v1=").unwrap().1.to_owned();
    for value in [format!("t={TS},v1={good},v1=zz"), format!("t={TS},v1=zz,v1={good}")] {
        let h = vec![("stripe-signature".to_owned(), value)];
        let e = v.verify(&h, b"{}", at(TS)).unwrap_err();
        assert_eq!((e.kind(), e.status()), (VerifyErrorKind::MalformedHeader, 400), "{e}");
    }

    let expired = Secret::hmac("s").unwrap().expires_at(at(TS - 1));
    let v = Verifier::new(Preset::Stripe.scheme(), expired);
    assert_eq!(kind(&v, &h, b"{}", TS), VerifyErrorKind::SignatureMismatch);
    let bad = vec![("stripe-signature".to_owned(), format!("t={TS},v1={}", "g".repeat(64)))];
    assert_eq!(kind(&v, &bad, b"{}", TS), VerifyErrorKind::MalformedHeader);

    // Standard Webhooks' published Ed25519 example (from the Standard Webhooks specification), with an HMAC entry that is
    // not base64 beside it; the public key first, then an HMAC secret.
    let scheme = Preset::StandardWebhooks.scheme();
    let pk = Secret::for_scheme(&scheme, "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=").unwrap();
    let hmac = Secret::for_scheme(&scheme, SW).unwrap();
    let v = Verifier::new(scheme, Secrets::new(vec![pk, hmac]).unwrap());
    let v1a = "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==";
    let with = |sig: &str| {
        let h = [
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek".to_owned()),
            ("webhook-timestamp", "1614265330".to_owned()),
            ("webhook-signature", sig.to_owned()),
        ];
        v.verify(&h, br#"{"test": 2432232314}"#, at(1614265330))
    };
    assert_eq!(with(v1a).unwrap().secret_index(), 0);
    let e = with(&format!("{v1a} v1,!!!")).unwrap_err();
    assert_eq!((e.kind(), e.status()), (VerifyErrorKind::MalformedHeader, 400), "{e}");
}
