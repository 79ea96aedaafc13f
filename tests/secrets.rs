//! A planted secret never appears in logs, `Debug` output, error text or responses. Its own test
//! binary, so the capturing `tracing` subscriber is the process's global one: with scoped
//! subscribers and other tests logging on other threads, `tracing`'s per-callsite interest cache
//! can drop events.

mod support;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hookgate_core::{Endpoint, Preset, Secret, TestRequest, Verifier};
use hookgate_tower::{QuickAck, WebhookLayer};
use support::body_for;

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[test]
fn a_planted_secret_never_appears_in_logs_debug_or_errors() {
    const PLANTED: &str = "PLANTED-secret-7f3a9c";
    const PLANTED_SW: &str = "whsec_UExBTlRFRC1zdy1zZWNyZXQtN2YzYTk="; // base64 of "PLANTED-sw-secret-7f3a9"
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let mut shown = String::new();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber in this binary");
    {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            // GitLab: the header carries the secret itself, so no header value may be logged.
            for (preset, secret) in
                [(Preset::Github, PLANTED), (Preset::StandardWebhooks, PLANTED_SW), (Preset::Gitlab, PLANTED)]
            {
                let v = Verifier::for_preset(preset, &[secret]).unwrap();
                let endpoint =
                    Endpoint::builder("/hooks", Verifier::for_preset(preset, &[secret]).unwrap()).build().unwrap();
                let (tx, mut rx) = hookgate_core::channel(8);
                let layer_endpoint =
                    Endpoint::builder("/hooks", Verifier::for_preset(preset, &[secret]).unwrap()).build().unwrap();
                let app = axum::Router::new()
                    .route_service("/quick", QuickAck::new(endpoint.clone(), tx))
                    .route(
                        "/handler",
                        axum::routing::post(|_: Bytes| async { http::StatusCode::INTERNAL_SERVER_ERROR }),
                    )
                    .layer(WebhookLayer::new(layer_endpoint));
                let body = body_for("leak-check");
                let s = Secret::for_scheme(&preset.scheme(), secret).unwrap();
                let sign_as = |key: &Secret, id: &str| {
                    let req = TestRequest::signed_with(preset.scheme(), key.clone(), body.clone());
                    req.id(id).event_type("e").timestamp(support::unix_now()).headers().to_vec()
                };
                let good = sign_as(&s, "leak-check");
                let wrong_secret = Secret::for_scheme(&preset.scheme(), "whsec_d3JvbmctYnV0LWxvbmctZW5vdWdo").unwrap();
                let forged = sign_as(&wrong_secret, "forged");
                // The expected signature of the forged request must not be disclosed either.
                let expected_for_forged = sign_as(&s, "forged");
                for (path, headers) in [
                    ("/quick", &good),
                    ("/quick", &good),
                    ("/quick", &forged),
                    ("/handler", &good),
                    ("/handler", &forged),
                ] {
                    let mut req = http::Request::post(path);
                    for (k, val) in headers {
                        req = req.header(k.as_str(), val.as_str());
                    }
                    let res = tower::ServiceExt::oneshot(
                        app.clone(),
                        req.body(axum::body::Body::from(body.clone())).unwrap(),
                    )
                    .await
                    .unwrap();
                    let status = res.status();
                    let text = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
                    shown.push_str(&format!("{status} {}\n", String::from_utf8_lossy(&text)));
                }
                // Declared over the limit: refused before the body is read, still logged with the id.
                let mut req = http::Request::post("/quick").header("content-length", "2000000");
                for (k, val) in &good {
                    req = req.header(k.as_str(), val.as_str());
                }
                let res = tower::ServiceExt::oneshot(app.clone(), req.body(axum::body::Body::from("{}")).unwrap())
                    .await
                    .unwrap();
                assert_eq!(res.status(), 413);
                let err = v.verify(&forged, &body, std::time::SystemTime::now()).unwrap_err();
                shown.push_str(&format!("{err}\n{err:?}\n{v:?}\n{endpoint:?}\n{s:?}\n{:?}\n", v.secrets()));
                shown.push_str(&format!("{:?}\n", rx.recv().await.unwrap()));
                let sig_of = |h: &Vec<(String, String)>| {
                    h[0].1.trim_end_matches('=').rsplit(['=', ',']).next().unwrap().to_owned()
                };
                let expected = sig_of(&expected_for_forged);
                assert!(!shown.contains(&expected), "{preset}: the expected signature was disclosed");
                assert!(
                    !String::from_utf8_lossy(&logs.0.lock().unwrap()).contains(&expected),
                    "{preset}: expected signature in logs"
                );
            }
        });
    }
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logs.contains("webhook refused"), "the refusals were logged at all: {logs}");
    assert!(logs.contains("claimed_delivery_id=\"forged\""), "a refusal names the id the sender claimed: {logs}");
    assert!(
        logs.lines().any(|l| l.contains("body too large") && l.contains("claimed_delivery_id=\"leak-check\"")),
        "a 413 names the id the sender claimed: {logs}"
    );
    for planted in [PLANTED, PLANTED_SW, &PLANTED_SW[6..], "PLANTED-sw-secret"] {
        assert!(!logs.contains(planted), "secret in logs:\n{logs}");
        assert!(!shown.contains(planted), "secret in Debug/Display/responses:\n{shown}");
    }
}
