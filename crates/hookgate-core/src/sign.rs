//! Signing, for every scheme: the same signed content as verification, computed forwards.
//! Behind the `test-util` feature: for your tests, the `hookgate` CLI, and load generators.

use std::time::SystemTime;

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use hmac::Mac;
use sha2::{Digest, Sha256};

use crate::error::{ConfigError, ConfigErrorKind};
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
            feed(self, id.as_bytes(), ts.as_bytes(), body, &mut |b| mac.update(b));
            let tag = mac.finalize().into_bytes();
            let enc = match (&self.syntax, self.encoding) {
                (SignatureSyntax::VersionedList, _) | (_, Encoding::Base64) => BASE64_LENIENT.encode(tag),
                (_, Encoding::Hex) => hex::encode(tag),
            };
            ("v1", enc)
        } else if let (Some(key), SignatureSyntax::VersionedList) = (secret.ed25519_signing(), &self.syntax) {
            let mut msg = Vec::with_capacity(body.len() + id.len() + ts.len() + 2);
            feed(self, id.as_bytes(), ts.as_bytes(), body, &mut |b| msg.extend_from_slice(b));
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
