//! Known-answer tests, one or more per preset. Each names its source.
//!
//! Where a provider publishes no complete example (Stripe, Shopify and the five seed providers'
//! documents give code, not values), the expected value was computed independently of hookgate
//! with Python 3.11's `hmac`/`hashlib`, following the provider's own sample code, e.g.
//! `hmac.new(b"whsec_test_secret", b"1700000000." + body, hashlib.sha256).hexdigest()`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hookgate_core::{Preset, Secret, Verifier, VerifyErrorKind};

fn at(s: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(s)
}

fn check(preset: Preset, secret: &str, headers: &[(&str, &str)], body: &str, now: u64) -> hookgate_core::Verified {
    Verifier::for_preset(preset, &[secret]).unwrap().verify(headers, body.as_bytes(), at(now)).unwrap()
}

// Source: Standard Webhooks reference libraries (libraries/rust/src/lib.rs).
const SW_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const SW_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
const SW_BODY: &str = r#"{"email":"test@example.com","username":"test_user"}"#;

#[test]
fn standard_webhooks_v1() {
    let h = [
        ("webhook-id", SW_ID),
        ("webhook-timestamp", "1649367553"),
        ("webhook-signature", "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="),
    ];
    let v = check(Preset::StandardWebhooks, SW_SECRET, &h, SW_BODY, 1649367553);
    assert_eq!(v.delivery_id(), SW_ID);
    assert_eq!(v.timestamp(), Some(1649367553));
    // The same secret without its prefix.
    check(Preset::StandardWebhooks, "C2FVsBQIhrscChlQIMV+b5sSYspob7oD", &h, SW_BODY, 1649367553);
}

#[test]
fn standard_webhooks_multi_signature_and_unknown_versions() {
    let verifier = Verifier::for_preset(Preset::StandardWebhooks, &[SW_SECRET]).unwrap();
    let with = |sig: &str| {
        let h = [("webhook-id", SW_ID), ("webhook-timestamp", "1649367553"), ("webhook-signature", sig)];
        verifier.verify(&h, SW_BODY.as_bytes(), at(1649367553)).map(|_| ())
    };
    // Source: the same reference tests: these must not verify on their own.
    let bad1 = "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ=";
    let bad2 = "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=";
    let good = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
    assert_eq!(with(&format!("{bad1} {bad2}")).unwrap_err().kind(), VerifyErrorKind::SignatureMismatch);
    assert!(with(&format!("{bad1} {good} {bad2}")).is_ok());
    assert!(with(&format!("{bad1} {bad2} {good}")).is_ok());
    // A `v2` entry with a valid-looking value is ignored: alone it is "no signature".
    let v2 = "v2,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
    assert_eq!(with(v2).unwrap_err().kind(), VerifyErrorKind::MissingSignature);
    assert!(with(&format!("{v2} {good}")).is_ok());
}

// Source: Standard Webhooks spec example header and Svix's server tests.
#[test]
fn standard_webhooks_v1a_ed25519() {
    let h = [
        ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("webhook-timestamp", "1614265330"),
        (
            "webhook-signature",
            "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==",
        ),
    ];
    let body = r#"{"test": 2432232314}"#;
    check(Preset::StandardWebhooks, "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=", &h, body, 1614265330);
    // The signing key verifies too.
    let sk = "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
    check(Preset::StandardWebhooks, sk, &h, body, 1614265330);
    // An HMAC secret does not accept an Ed25519 signature, and a tampered body fails.
    let v = Verifier::for_preset(Preset::StandardWebhooks, &[SW_SECRET]).unwrap();
    assert!(v.verify(&h, body.as_bytes(), at(1614265330)).is_err());
    let v =
        Verifier::for_preset(Preset::StandardWebhooks, &["whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="]).unwrap();
    assert!(v.verify(&h, br#"{"test": 2432232315}"#, at(1614265330)).is_err());
}

// Source: Svix docs, "Verifying payloads manually" (secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw).
#[test]
fn svix() {
    let h = [
        ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("svix-timestamp", "1614265330"),
        ("svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    ];
    check(Preset::Svix, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &h, r#"{"test": 2432232314}"#, 1614265330);
}

// Source: GitHub docs "Validating webhook deliveries".
#[test]
fn github() {
    let h = [
        ("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
        ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
        ("X-GitHub-Event", "push"),
    ];
    let v = check(Preset::Github, "It's a Secret to Everybody", &h, "Hello, World!", 1);
    assert_eq!(
        (v.delivery_id(), v.event_type(), v.timestamp()),
        ("72d3162e-cc78-11e3-81ab-4c9367dc0958", Some("push"), None)
    );
    // Upper-case hex is the same signature.
    let h2 = [
        ("X-Hub-Signature-256", "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"),
        h[1],
        h[2],
    ];
    check(Preset::Github, "It's a Secret to Everybody", &h2, "Hello, World!", 1);
}

// Source: Slack docs "Verifying requests from Slack".
#[test]
fn slack() {
    let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let h = [
        ("X-Slack-Request-Timestamp", "1531420618"),
        ("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
    ];
    let v = check(Preset::Slack, "8f742231b10e8888abcd99yyyzzz85a5", &h, body, 1531420618);
    assert!(v.delivery_id().starts_with("sha256:"));
    assert_eq!(v.event_type(), None);
}

// Source: computed with Python hmac following Stripe's documented scheme (`{t}.{body}`, hex).
#[test]
fn stripe() {
    let body = r#"{"id":"evt_1MqqbKLt4dXK03v5qaIbiNCC","object":"event","type":"payment_intent.succeeded"}"#;
    let sig = "d4e508da1c386bb4490a369a57b923c4aad7a0bc0f1dbdf15736eb50eb38542b";
    let h = [(
        "Stripe-Signature",
        format!("t=1700000000,v1={sig},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"),
    )];
    let v = Verifier::for_preset(Preset::Stripe, &["whsec_test_secret"])
        .unwrap()
        .verify(&h, body.as_bytes(), at(1700000100))
        .unwrap();
    assert_eq!(
        (v.delivery_id(), v.event_type(), v.timestamp()),
        ("evt_1MqqbKLt4dXK03v5qaIbiNCC", Some("payment_intent.succeeded"), Some(1700000000))
    );
}

// Source: computed with Python hmac following Shopify's documented scheme (base64 of HMAC of body).
#[test]
fn shopify() {
    let h = [
        ("X-Shopify-Hmac-Sha256", "fp5HwmAHEVGQQwJU1KRpk57Ts2YHF6/TLOCczCtB5bs="),
        ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
        ("X-Shopify-Topic", "orders/create"),
    ];
    let v = check(Preset::Shopify, "hush", &h, r#"{"id":820982911946154508,"email":"jon@doe.ca"}"#, 1);
    assert_eq!((v.delivery_id(), v.event_type()), ("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", Some("orders/create")));
}

// Source: computed with Python following the document's PHP/Node/Python samples (Prime Bot's "Webhooks" document).
#[test]
fn primebot() {
    let body = r#"{"id":"evt_01H8Q3","type":"message.received","created_at":"2026-04-21T16:02:41Z","data":{"campaign_id":1,"sender_id":904,"telegram_message_id":"1827361231","body":"what's the pricing like?"}}"#;
    let h = [
        ("X-PrimeBot-Signature", "sha256=ab09ad1ff087ab0d443452200986b711cd46c616d454460a4d1fd2599182a0e7"),
        ("X-PrimeBot-Delivery", "dlv_1"),
        ("X-PrimeBot-Event", "message.received"),
        ("X-PrimeBot-Timestamp", "1700000000"),
    ];
    let v = check(Preset::Primebot, "primebot-signing-secret-32-chars!", &h, body, 1700000000);
    assert_eq!((v.delivery_id(), v.event_type(), v.timestamp()), ("dlv_1", Some("message.received"), Some(1700000000)));
    // The unsigned timestamp is still enforced.
    let err = Verifier::for_preset(Preset::Primebot, &["primebot-signing-secret-32-chars!"])
        .unwrap()
        .verify(&h, body.as_bytes(), at(1700000301))
        .unwrap_err();
    assert_eq!(err.kind(), VerifyErrorKind::Stale);
}

// Source: computed with Python following the document's Node sample (Promptha's "Webhook Implementation Guide").
#[test]
fn promptha() {
    let body = r#"{"event":"fabric.completed","data":{"eventId":"evt_p_1","executionId":"exec_1","result":{"output":"ok"}},"timestamp":1700000000}"#;
    let h = [
        ("x-promptha-signature", "642e49164e6b076a2f5fcad8f7a9d2d5b7bd3c9cc7e838983a7f3adc29feda36"),
        ("x-promptha-timestamp", "1700000000"),
    ];
    let v = check(Preset::Promptha, "your_webhook_secret", &h, body, 1700000000);
    assert_eq!((v.delivery_id(), v.event_type()), ("evt_p_1", Some("fabric.completed")));
}

// Source: computed with Python following the document's samples (Pollybot's webhook documentation).
#[test]
fn pollybot() {
    let body = r#"{"event":"LEAD_CREATED","timestamp":1699123456,"data":{"id":"clp123abc456","name":"John Doe"},"chatbotId":"clp123chatbot456"}"#;
    let sig = "f8b5f9c0bee089a6b57057f36a9bc7b84cc88427c5844473315f4795fa5d8c53";
    for value in [format!("sha256={sig}"), sig.to_owned()] {
        let h = [("X-Webhook-Signature", value.as_str())];
        let v = check(Preset::Pollybot, "whsec_1234567890abcdef", &h, body, 1);
        assert_eq!(v.delivery_id(), "sha256:1497c7b1af48dd274ca6043714b0d991694acb5332c791835660f6b0f3c829a3");
        assert_eq!(
            (v.event_type(), v.timestamp(), v.id_from_provider()),
            (Some("LEAD_CREATED"), Some(1699123456), false)
        );
    }
}

// Source: computed with Python following the document's PHP sample (raw body) (TwaBot's "TwaBot Webhooks" document).
#[test]
fn twabot() {
    let body = r#"{"event":"message.received","timestamp":"2026-04-02T10:30:45.000Z","data":{"message_id":"wamid.HBgMOTE5","from":"919876543210","conversation_id":1234,"business_id":56}}"#;
    let h = [("X-TwaBot-Signature", "f6b4d77c955e9e0db6b9810b1616d8ae338b391880ef31cd0235859754369e8a")];
    let v = check(Preset::Twabot, "my_secret_key_123", &h, body, 1);
    assert_eq!(
        (v.delivery_id(), v.event_type(), v.timestamp()),
        ("wamid.HBgMOTE5", Some("message.received"), Some(1775125845))
    );
}

// Source: computed with Python following the document's Node sample (SendPilot's webhook guide).
#[test]
fn sendpilot() {
    let body = r#"{"eventId":"evt_sp_1","eventType":"message.received","data":{"leadId":"l1"}}"#;
    let h = [("Webhook-Signature", "t=1700000000,s=11600715601fdb5a05e4d61aeddff2e1840ac092d8a0b87bd2858b5b1d1db331")];
    let v = check(Preset::Sendpilot, "sendpilot_secret", &h, body, 1700000000);
    assert_eq!((v.delivery_id(), v.event_type()), ("evt_sp_1", Some("message.received")));
}

// Source: RFC 4231 test case 2 — the HMAC under every preset is the standard one.
#[test]
fn rfc4231_case_2_through_a_custom_scheme() {
    let scheme = hookgate_core::Scheme::builder("rfc4231").signature_header("x-sig").build().unwrap();
    let v = Verifier::new(scheme, Secret::hmac("Jefe").unwrap());
    let h = [("x-sig", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")];
    v.verify(&h, b"what do ya want for nothing?", at(1)).unwrap();
}

// Source: RFC 4231 test case 2 (HMAC-SHA512) and RFC 2202 test case 2 (HMAC-SHA1).
#[test]
fn sha512_and_sha1_published_vectors_through_custom_schemes() {
    use hookgate_core::{Algorithm, Scheme, SecretFormat};
    let cases = [
        (
            Algorithm::HmacSha512,
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        ),
        (Algorithm::HmacSha1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
    ];
    for (alg, mac) in cases {
        let scheme = Scheme::builder("rfc").algorithm(alg).signature_header("x-sig").build().unwrap();
        let v = Verifier::new(scheme, Secret::parse(alg, SecretFormat::Raw, "Jefe").unwrap());
        v.verify(&[("x-sig", mac)], b"what do ya want for nothing?", at(1)).unwrap();
        let e = v.verify(&[("x-sig", mac)], b"what do ya want for nothing!", at(1)).unwrap_err();
        assert_eq!(e.kind(), VerifyErrorKind::SignatureMismatch);
        // A tag of another length is malformed, not a mismatch.
        let short = &mac[..mac.len() - 2];
        assert_eq!(v.verify(&[("x-sig", short)], b"x", at(1)).unwrap_err().kind(), VerifyErrorKind::MalformedHeader);
    }
}
