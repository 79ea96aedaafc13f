//! Signing, for every scheme: the same signed content as verification, computed forwards.
//! Behind the `test-util` feature: for your tests, the `hookgate` CLI, and load generators.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use sha2::{Digest, Sha256};

use crate::error::{ConfigError, ConfigErrorKind};
use crate::providers::Preset;
use crate::replay::unix_seconds;
use crate::scheme::Algorithm;
use crate::scheme::{Encoding, EventTypeSource, IdSource, Scheme, SignatureSyntax, TimestampFormat, TimestampSource};
use crate::secret::{BASE64_LENIENT, Secret, SecretFormat};
use crate::verify::{Content, FieldPath, RequestLine, feed, probe};

/// What to put in the signed request besides the body. Unset fields get defaults: the timestamp
/// is "now", the id is derived from the timestamp and body, the method is `POST`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignOptions<'a> {
    /// The delivery id, for schemes that send one in a header.
    pub id: Option<&'a str>,
    /// Unix seconds, for schemes with a timestamp (written in the scheme's format).
    pub timestamp: Option<i64>,
    /// The event type, for schemes that send it in a header.
    pub event_type: Option<&'a str>,
    /// The full URL the request is sent to, for schemes that sign it.
    pub url: Option<&'a str>,
    /// The method, for schemes that sign it (default `POST`).
    pub method: Option<&'a str>,
}

impl Scheme {
    /// The headers a sender adds to `body` (lowercase names, in a stable order: signature first).
    /// Schemes that sign inside the body (Mailgun) use [`Self::sign_body`] instead.
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
        if let Some(field) = &self.signature_field {
            return Err(ConfigError::new(
                ConfigErrorKind::InvalidScheme,
                format!("scheme `{}` signs inside the body (field `{field}`): use sign_body", self.name),
            ));
        }
        let (ts, id) = self.sign_inputs(body, opts);
        let (version, encoded) = self.signature(secret, body, &id, &ts, opts)?;
        let value = match &self.syntax {
            SignatureSyntax::Single { prefix, .. } => format!("{prefix}{encoded}"),
            SignatureSyntax::Params { timestamp_key: Some(t), signature_key, separator } => {
                format!("{t}={ts}{separator}{signature_key}={encoded}")
            }
            SignatureSyntax::Params { timestamp_key: None, signature_key, .. } => format!("{signature_key}={encoded}"),
            SignatureSyntax::VersionedList => format!("{version},{encoded}"),
        };
        let mut headers = vec![(self.signature_header.to_string(), value)];
        self.push_headers(&mut headers, &id, &ts, opts);
        Ok(headers)
    }

    /// For schemes that sign inside the JSON body (Mailgun): `body` with the signature written
    /// into its signature field, and the other headers a sender adds.
    pub fn sign_body(
        &self,
        secret: &Secret,
        body: &[u8],
        opts: &SignOptions<'_>,
    ) -> Result<(Bytes, Vec<(String, String)>), ConfigError> {
        let not_json = || ConfigError::new(ConfigErrorKind::InvalidValue, "the body must be a JSON object");
        // One "now" for the timestamp written into the body and the one signed.
        let opts = &SignOptions {
            timestamp: Some(opts.timestamp.unwrap_or_else(|| unix_seconds(SystemTime::now()))),
            ..*opts
        };
        let body_timestamp = matches!(self.timestamp, TimestampSource::BodyField(_)) && self.enforces_timestamp();
        let parsed = (body_timestamp || self.signature_field.is_some())
            .then(|| serde_json::from_slice::<serde_json::Value>(body).ok().filter(|v| v.is_object()))
            .flatten();
        // A sender stamps its timestamp where the scheme reads it (Mailgun, Linear).
        let (body, parsed) = match (&self.timestamp, parsed) {
            (TimestampSource::BodyField(path), Some(mut value)) if self.enforces_timestamp() => {
                let (ts, _) = self.sign_inputs(body, opts);
                let old = set_field(&mut value, path, serde_json::Value::Null).ok_or_else(not_json)?;
                let stamped = match (old, self.timestamp_format) {
                    (serde_json::Value::Number(_), _) | (serde_json::Value::Null, TimestampFormat::UnixMillis) => {
                        serde_json::Value::Number(ts.parse::<i64>().unwrap_or_default().into())
                    }
                    _ => serde_json::Value::String(ts),
                };
                set_field(&mut value, path, stamped);
                (Bytes::from(value.to_string()), Some(value))
            }
            (_, parsed) => (Bytes::copy_from_slice(body), parsed),
        };
        let Some(field) = &self.signature_field else {
            let headers = self.sign(secret, &body, opts)?;
            return Ok((body, headers));
        };
        let mut value = parsed.ok_or_else(not_json)?;
        let (ts, id) = self.sign_inputs(&body, opts);
        let (_, encoded) = self.signature(secret, &body, &id, &ts, opts)?;
        set_field(&mut value, field, encoded.into()).ok_or_else(not_json)?;
        let mut headers = Vec::new();
        self.push_headers(&mut headers, &id, &ts, opts);
        Ok((value.to_string().into(), headers))
    }

    /// The timestamp text (in the scheme's format) and the delivery id to sign.
    fn sign_inputs(&self, body: &[u8], opts: &SignOptions<'_>) -> (String, String) {
        let unix = opts.timestamp.unwrap_or_else(|| unix_seconds(SystemTime::now()));
        let ts = match self.timestamp_format {
            TimestampFormat::UnixSeconds => unix.to_string(),
            TimestampFormat::UnixMillis => (unix * 1000).to_string(),
            TimestampFormat::Rfc3339 => humantime::format_rfc3339_seconds(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix.max(0) as u64),
            )
            .to_string(),
        };
        let id = match (&self.id, opts.id) {
            (IdSource::Header(_), None) => {
                let mut h = Sha256::new();
                h.update(ts.as_bytes());
                h.update(body);
                format!("msg_{}", &hex::encode(h.finalize())[..26])
            }
            (_, id) => id.unwrap_or_default().to_owned(),
        };
        (ts, id)
    }

    /// The signature's version (for versioned lists) and its encoded text.
    fn signature(
        &self,
        secret: &Secret,
        body: &[u8],
        id: &str,
        ts: &str,
        opts: &SignOptions<'_>,
    ) -> Result<(&'static str, String), ConfigError> {
        let paths: Vec<FieldPath> = self.content.fields().cloned().collect();
        let found = probe(body, &paths);
        let fields: Vec<&str> = found[..paths.len()].iter().map(|f| f.as_deref().unwrap_or_default()).collect();
        let request = RequestLine { method: opts.method.unwrap_or("POST"), url: opts.url };
        let content = Content { id, timestamp: ts, body, request, fields: &fields };
        let mut message = Vec::with_capacity(body.len() + 64);
        feed(self, content, |b| message.extend_from_slice(b));
        let encode = |bytes: &[u8]| match (&self.syntax, self.encoding) {
            (SignatureSyntax::VersionedList, _) | (_, Encoding::Base64) => BASE64_LENIENT.encode(bytes),
            (_, Encoding::Hex) => hex::encode(bytes),
        };
        if let Some(tag) = secret.hmac_tag(|sink| sink(&message)) {
            return Ok(("v1", encode(tag.as_bytes())));
        }
        if let Some(key) = secret.ed25519_signing() {
            return Ok(("v1a", encode(&key.sign(&message).to_bytes())));
        }
        if let Some(key) = secret.p256_signing() {
            let signature: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(key, &message);
            return Ok(("", encode(signature.to_der().as_bytes())));
        }
        if let Some(token) = secret.token_text() {
            return Ok(("", token.to_owned()));
        }
        Err(ConfigError::new(
            ConfigErrorKind::InvalidSecret,
            format!("scheme `{}` cannot sign with a {secret} (a public key only verifies)", self.name),
        ))
    }

    /// The id, timestamp and event type headers that go with a signature.
    fn push_headers(&self, headers: &mut Vec<(String, String)>, id: &str, ts: &str, opts: &SignOptions<'_>) {
        if let IdSource::Header(h) | IdSource::OptionalHeader(h) = &self.id {
            if !id.is_empty() {
                headers.push((h.to_string(), id.to_owned()));
            }
        }
        if let TimestampSource::Header(h) = &self.timestamp {
            headers.push((h.to_string(), ts.to_owned()));
        }
        if let (EventTypeSource::Header(h), Some(e)) = (&self.event_type, opts.event_type) {
            headers.push((h.to_string(), e.to_owned()));
        }
    }
}

/// Sets the field at `path` of a JSON object (making the objects on the way), returning what was
/// there (`Null` when nothing was), or `None` when the way is not made of objects.
fn set_field(value: &mut serde_json::Value, path: &FieldPath, new: serde_json::Value) -> Option<serde_json::Value> {
    let segments: Vec<String> = path.to_string().split('.').map(str::to_owned).collect();
    let (last, parents) = segments.split_last()?;
    let mut at = value;
    for s in parents {
        at = at.as_object_mut()?.entry(s.clone()).or_insert_with(|| serde_json::json!({}));
    }
    Some(at.as_object_mut()?.insert(last.clone(), new).unwrap_or(serde_json::Value::Null))
}

/// A secret that both signs and verifies for `preset`, as configuration text: for tests, load
/// generators and examples. Public-key presets get a fixed, published test key pair (never use it
/// for real): its signing key verifies too.
///
/// ```
/// use hookgate_core::{Preset, example_secret, Verifier};
/// for preset in Preset::ALL {
///     assert!(Verifier::for_preset(preset, &[example_secret(preset)]).is_ok(), "{preset}");
/// }
/// ```
pub fn example_secret(preset: Preset) -> &'static str {
    example(preset, 0)
}

/// Another secret of the same kind as [`example_secret`], which does not verify its signatures:
/// the "wrong secret" of tests.
pub fn example_wrong_secret(preset: Preset) -> &'static str {
    example(preset, 1)
}

fn example(preset: Preset, which: usize) -> &'static str {
    let scheme = preset.scheme();
    let pair: [&'static str; 2] = match (scheme.algorithm(), scheme.secret_format()) {
        (_, SecretFormat::StandardWebhooks) => {
            ["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
        }
        // Ed25519 seeds followed by their public keys, in hex.
        (Algorithm::Ed25519, _) => [
            "4a3ac0d1e7e8dcbe6607e07903287d7f85cd074e06c9901eead6e2c74659113b4b80a23446e7524aba23f30659ff0aa8f2dc423a940b9fddf25c8f7a0366cf8b",
            "106f0f7ba379850eea05710919aac5df97596f07a0f22c760e70f7eed8cdb8c6480d45b33e435c6e16d119c86530059c211bd81850b90990501162a1a66c6285",
        ],
        // P-256 private keys, PKCS#8 DER in base64.
        (Algorithm::EcdsaP256, _) => [
            "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgw5p1RfoFFRY5QYr0N6ZbtsvEj7SgCpnJjvdc1veCr42hRANCAAQq20a/EVPOrnhsc3ZbH2459vszIsRdzKkQeB0N9PTtf4Cwv50Pv7rFeHsrW/YctnbT1djkNYH4/LPBSDne7JxF",
            "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg0GS1T4CEB2SX1gtxo7HRDGCgVMS/TwcUinu8D4rTNBehRANCAATCYg1vI412pvmQGbps8pv+QtuOmEXI40cpq57rLt0LRFkkgwOqUn7REcQGOSx80Mbm1e0uuHRPGguC57uP5t1d",
        ],
        (_, SecretFormat::Base64) => ["c2VjcmV0LWJ5dGVzLWZvci10ZXN0cw==", "d3JvbmctYnl0ZXMtZm9yLXRlc3Rz"],
        _ => ["s3cret-for-tests", "wrong-secret-for-tests"],
    };
    pair[which]
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
    url: Option<String>,
    /// Header changes made after signing, in order.
    changes: Vec<(String, Change)>,
    headers: Vec<(String, String)>,
}

/// Where a [`TestRequest`] is sent unless [`TestRequest::url`] says otherwise.
const DEFAULT_URL: &str = "http://localhost/webhooks";

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
        let secret = Secret::for_scheme(&scheme, secret).expect("a secret the preset can use");
        Self::signed_with(scheme, secret, body)
    }

    /// A delivery with id `id` that every preset reads the same way: a JSON body carrying `id` in
    /// every field a preset takes its id from, and `id` in the id header where there is one.
    /// Event type `e`, timestamped now.
    ///
    /// ```
    /// use hookgate_core::{Preset, RequestLine, TestRequest, Verifier, example_secret};
    /// for preset in Preset::ALL {
    ///     let secret = example_secret(preset);
    ///     let req = TestRequest::delivery(preset, secret, "d-1");
    ///     let v = Verifier::for_preset(preset, &[secret]).unwrap();
    ///     let line = RequestLine::post().url(req.full_url());
    ///     let id = v.verify_request(line, req.headers(), req.bytes(), std::time::SystemTime::now()).unwrap();
    ///     assert!(id.delivery_id() == "d-1" || !id.id_from_provider(), "{preset}");
    /// }
    /// ```
    pub fn delivery(preset: Preset, secret: &str, id: &str) -> Self {
        let body = format!(
            r#"{{"id":"{id}","type":"t","event":"e","eventId":"{id}","eventType":"e","event_id":"{id}","data":{{"eventId":"{id}","message_id":"{id}"}},"event-data":{{"id":"{id}","event":"e"}},"signature":{{"token":"{id}"}}}}"#
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
            url: None,
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

    /// The method (default `POST`); re-signed for schemes that sign it.
    pub fn with_method(mut self, method: &str) -> Self {
        self.method = method.into();
        self.resigned()
    }

    /// The full URL the request is sent to (`https://host/path?query`): signed by schemes that
    /// sign it, its host sent as `Host`, its path and query as the request target. Default:
    /// `http://localhost/webhooks`.
    pub fn url(mut self, url: &str) -> Self {
        self.url = Some(url.into());
        self.resigned()
    }

    /// The full URL the request is sent to ([`Self::url`]).
    pub fn full_url(&self) -> &str {
        self.url.as_deref().unwrap_or(DEFAULT_URL)
    }

    /// The request target: the path and query of [`Self::url`].
    pub fn target(&self) -> &str {
        let url = self.full_url();
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        after_scheme.find(['/', '?']).map_or("/", |i| &after_scheme[i..])
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
                    url: Some(self.url.as_deref().unwrap_or(DEFAULT_URL)),
                    method: Some(&self.method),
                };
                let (body, headers) =
                    scheme.sign_body(secret, &self.body, &opts).expect("the secret signs for its scheme");
                self.body = body;
                headers
            }
            None => Vec::new(),
        };
        if let Some(host) = self
            .url
            .as_deref()
            .and_then(|u| u.split_once("://"))
            .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or_default().to_owned())
        {
            self.headers.retain(|(n, _)| n != "host");
            self.headers.push(("host".into(), host));
        }
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
    fn uri(&self) -> &str {
        self.target()
    }
    fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
}
