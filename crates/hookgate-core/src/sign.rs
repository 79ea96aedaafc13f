//! Signing, for every scheme: the same signed content as verification, computed forwards.
//! Behind the `test-util` feature: for your tests, the `hookgate` CLI, and load generators.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use hmac::Mac;
use sha2::{Digest, Sha256};

use crate::error::{ConfigError, ConfigErrorKind};
use crate::providers::Preset;
use crate::replay::unix_seconds;
use crate::scheme::{Encoding, EventTypeSource, IdSource, Scheme, SignatureSyntax, TimestampSource};
use crate::secret::{BASE64_LENIENT, Secret};
use crate::verify::feed;

/// What to put in the signed request besides the body. Unset fields get defaults: the timestamp
/// is "now", the id is derived from the timestamp and body.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignOptions<'a> {
    /// The delivery id, for schemes that send one in a header.
    pub id: Option<&'a str>,
    /// Unix seconds, for schemes with a header or `t=` timestamp.
    pub timestamp: Option<i64>,
    /// The event type, for schemes that send it in a header.
    pub event_type: Option<&'a str>,
}

impl Scheme {
    /// The headers a sender adds to `body` (lowercase names, in a stable order: signature first).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use hookgate_core::{Preset, Secret, SignOptions, Verifier};
    ///
    /// let scheme = Preset::Stripe.scheme();
    /// let secret = Secret::hmac("whsec_test").unwrap();
    /// let body = br#"{"id":"evt_1","type":"charge.succeeded"}"#;
    /// let headers = scheme
    ///     .sign(&secret, body, &SignOptions { timestamp: Some(1_700_000_000), ..Default::default() })
    ///     .unwrap();
    /// assert!(headers[0].1.starts_with("t=1700000000,v1="));
    ///
    /// let v = Verifier::new(scheme, secret);
    /// let ok = v.verify(&headers, body, UNIX_EPOCH + Duration::from_secs(1_700_000_000)).unwrap();
    /// assert_eq!(ok.delivery_id(), "evt_1");
    /// ```
    pub fn sign(
        &self,
        secret: &Secret,
        body: &[u8],
        opts: &SignOptions<'_>,
    ) -> Result<Vec<(String, String)>, ConfigError> {
        let ts = opts.timestamp.unwrap_or_else(|| unix_seconds(SystemTime::now())).to_string();
        let id = match (&self.id, opts.id) {
            (IdSource::Header(_), None) => {
                let mut h = Sha256::new();
                h.update(ts.as_bytes());
                h.update(body);
                format!("msg_{}", &hex::encode(h.finalize())[..26])
            }
            (_, id) => id.unwrap_or_default().to_owned(),
        };

        let (version, encoded) = if let Some(state) = secret.hmac_state() {
            let mut mac = state.clone();
            feed(self, &id, &ts, body, |b| mac.update(b));
            let tag = mac.finalize().into_bytes();
            let enc = match (&self.syntax, self.encoding) {
                (SignatureSyntax::VersionedList, _) | (_, Encoding::Base64) => BASE64_LENIENT.encode(tag),
                (_, Encoding::Hex) => hex::encode(tag),
            };
            ("v1", enc)
        } else if let (Some(key), SignatureSyntax::VersionedList) = (secret.ed25519_signing(), &self.syntax) {
            let mut msg = Vec::with_capacity(body.len() + id.len() + ts.len() + 2);
            feed(self, &id, &ts, body, |b| msg.extend_from_slice(b));
            ("v1a", BASE64_LENIENT.encode(key.sign(&msg).to_bytes()))
        } else {
            return Err(ConfigError::new(
                ConfigErrorKind::InvalidSecret,
                format!("scheme `{}` cannot sign with a {secret}", self.name),
            ));
        };

        let value = match &self.syntax {
            SignatureSyntax::Single { prefix, .. } => format!("{prefix}{encoded}"),
            SignatureSyntax::Params { timestamp_key, signature_key } => {
                format!("{timestamp_key}={ts},{signature_key}={encoded}")
            }
            SignatureSyntax::VersionedList => format!("{version},{encoded}"),
        };
        let mut headers = vec![(self.signature_header.to_string(), value)];
        if let IdSource::Header(h) = &self.id {
            headers.push((h.to_string(), id));
        }
        if let TimestampSource::Header(h) = &self.timestamp {
            headers.push((h.to_string(), ts));
        }
        if let (EventTypeSource::Header(h), Some(e)) = (&self.event_type, opts.event_type) {
            headers.push((h.to_string(), e.to_owned()));
        }
        Ok(headers)
    }
}

/// A signed webhook request, for tests (yours and hookgate's): the headers a provider would send
/// for a body, re-signed after every change, with a method and extra headers to set or remove.
///
/// ```
/// use hookgate_core::{Endpoint, Preset, TestRequest};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let endpoint = Endpoint::preset(Preset::Stripe, &["whsec_test"]).unwrap();
/// let (tx, _rx) = hookgate_core::channel(16);
/// let req = TestRequest::signed(Preset::Stripe, "whsec_test", r#"{"id":"evt_1","type":"charge.succeeded"}"#);
/// assert_eq!(endpoint.quick_ack(&req, req.body(), &tx).await.status(), 202);
///
/// let tampered = req.clone().header("stripe-signature", "t=1,v1=00");
/// assert_eq!(endpoint.quick_ack(&tampered, tampered.body(), &tx).await.status(), 401);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct TestRequest {
    method: String,
    body: Bytes,
    signer: Option<(Scheme, Arc<Secret>)>,
    id: Option<String>,
    timestamp: Option<i64>,
    event_type: Option<String>,
    /// Header changes made after signing, in order.
    changes: Vec<(String, Change)>,
    headers: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
enum Change {
    Set(String),
    Remove,
    Append(String),
}

impl TestRequest {
    /// A `POST` of `body` signed for `preset` with `secret` (configuration text, decoded as the
    /// preset says), timestamped now. Panics on a secret the preset cannot use.
    pub fn signed(preset: Preset, secret: &str, body: impl Into<Bytes>) -> Self {
        let scheme = preset.scheme();
        let secret = Secret::parse(scheme.secret_format(), secret).expect("a secret the preset can use");
        Self::signed_with(scheme, secret, body)
    }

    /// A delivery with id `id` that every preset reads the same way: a JSON body carrying `id` in
    /// every field a preset takes its id from, and `id` in the id header where there is one.
    /// Event type `e`, timestamped now.
    ///
    /// ```
    /// use hookgate_core::{Preset, TestRequest, Verifier};
    /// for preset in Preset::ALL {
    ///     let secret = if preset.scheme().secret_format() == hookgate_core::SecretFormat::Raw { "s3cret" } else { "whsec_c2VjcmV0" };
    ///     let req = TestRequest::delivery(preset, secret, "d-1");
    ///     let v = Verifier::for_preset(preset, &[secret]).unwrap();
    ///     let id = v.verify(req.headers(), req.bytes(), std::time::SystemTime::now()).unwrap();
    ///     assert!(id.delivery_id() == "d-1" || !id.id_from_provider(), "{preset}");
    /// }
    /// ```
    pub fn delivery(preset: Preset, secret: &str, id: &str) -> Self {
        let body = format!(
            r#"{{"id":"{id}","type":"t","event":"e","eventId":"{id}","eventType":"e","event_id":"{id}","data":{{"eventId":"{id}","message_id":"{id}"}}}}"#
        );
        Self::signed(preset, secret, body).id(id).event_type("e")
    }

    /// A `POST` of `body` signed for any scheme (a custom one, say).
    pub fn signed_with(scheme: Scheme, secret: Secret, body: impl Into<Bytes>) -> Self {
        Self { signer: Some((scheme, Arc::new(secret))), ..Self::unsigned(body) }.resigned()
    }

    /// A `POST` of `body` with no headers.
    pub fn unsigned(body: impl Into<Bytes>) -> Self {
        Self {
            method: "POST".into(),
            body: body.into(),
            signer: None,
            id: None,
            timestamp: None,
            event_type: None,
            changes: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// The delivery id, for schemes that send one in a header.
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.into());
        self.resigned()
    }

    /// The timestamp (Unix seconds), for schemes that have one.
    pub fn timestamp(mut self, unix: i64) -> Self {
        self.timestamp = Some(unix);
        self.resigned()
    }

    /// The event type, for schemes that send it in a header.
    pub fn event_type(mut self, event_type: &str) -> Self {
        self.event_type = Some(event_type.into());
        self.resigned()
    }

    /// Another body, signed as this one was.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.resigned()
    }

    /// Sends a different body under the signature of this one (a tampered request).
    pub fn tampered(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// The method (default `POST`).
    pub fn with_method(mut self, method: &str) -> Self {
        self.method = method.into();
        self
    }

    /// Sets header `name` (any case) to `value`, replacing every value it had.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.changes.push((name.to_ascii_lowercase(), Change::Set(value.into())));
        self.resigned()
    }

    /// Removes header `name` (any case).
    pub fn without(mut self, name: &str) -> Self {
        self.changes.push((name.to_ascii_lowercase(), Change::Remove));
        self.resigned()
    }

    /// Adds one more value of header `name`, keeping the others.
    pub fn append(mut self, name: &str, value: &str) -> Self {
        self.changes.push((name.to_ascii_lowercase(), Change::Append(value.into())));
        self.resigned()
    }

    /// The request's headers (lowercase names).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body's bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as the stream [`crate::Endpoint::quick_ack`] and [`crate::Endpoint::handle`] read.
    pub fn body(&self) -> crate::FullBody {
        crate::full_body(self.body.clone())
    }

    fn resigned(mut self) -> Self {
        self.headers = match &self.signer {
            Some((scheme, secret)) => {
                let opts = SignOptions {
                    id: self.id.as_deref(),
                    timestamp: self.timestamp,
                    event_type: self.event_type.as_deref(),
                };
                scheme.sign(secret, &self.body, &opts).expect("the secret signs for its scheme")
            }
            None => Vec::new(),
        };
        for (name, change) in &self.changes {
            match change {
                Change::Set(v) => {
                    self.headers.retain(|(n, _)| n != name);
                    self.headers.push((name.clone(), v.clone()));
                }
                Change::Remove => self.headers.retain(|(n, _)| n != name),
                Change::Append(v) => self.headers.push((name.clone(), v.clone())),
            }
        }
        self
    }
}

impl crate::RequestHead for TestRequest {
    type Headers<'a> = &'a [(String, String)];
    fn method(&self) -> &str {
        &self.method
    }
    fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
}
