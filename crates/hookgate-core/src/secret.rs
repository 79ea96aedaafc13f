//! Signing secrets: never printed, wiped on drop, several per endpoint for rotation.

use std::fmt;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use ed25519_dalek::{SigningKey, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{ConfigError, ConfigErrorKind};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Standard base64 that accepts values with or without `=` padding (senders differ).
pub(crate) const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_encode_padding(true).with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How a preset turns the configured secret text into key bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretFormat {
    /// The secret's UTF-8 bytes are the HMAC key (GitHub, Stripe, Slack, Shopify, Prime Bot, Promptha, Pollybot, TwaBot, SendPilot).
    Raw,
    /// Standard Webhooks / Svix: `whsec_<base64>` (the prefix is optional) is base64-decoded;
    /// `whpk_<base64>` is an Ed25519 public key (`v1a`), `whsk_<base64>` an Ed25519 signing key.
    StandardWebhooks,
}

#[derive(Clone)]
enum Material {
    Hmac(HmacSha256),
    Ed25519Public(VerifyingKey),
    Ed25519Signing(Box<SigningKey>),
}

/// One secret (HMAC key or Ed25519 key), optionally with an expiry for rotation.
///
/// The key is held as ready-to-use keyed state, so a request pays no key set-up. `Debug` and
/// `Display` never show it; it is overwritten when dropped (`SigningKey` zeroizes itself, the HMAC
/// state is replaced by a zero-key state in place).
///
/// ```
/// use hookgate_core::Secret;
///
/// let s = Secret::hmac("It's a Secret to Everybody").unwrap();
/// assert!(!format!("{s:?}").contains("Secret to Everybody"));
/// assert_eq!(s.to_string(), "[redacted hmac secret]");
/// ```
#[derive(Clone)]
pub struct Secret {
    material: Material,
    expires_at: Option<SystemTime>,
}

impl Secret {
    /// An HMAC-SHA256 key from raw bytes (the text of the secret, for most providers).
    pub fn hmac(key: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        let key = key.as_ref();
        if key.is_empty() {
            return Err(ConfigError::new(ConfigErrorKind::InvalidSecret, "secret is empty"));
        }
        let keyed = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
        Ok(Self { material: Material::Hmac(keyed), expires_at: None })
    }

    /// A Standard Webhooks / Svix secret: `whsec_<base64>` (prefix optional, padding optional),
    /// or `whpk_`/`whsk_` Ed25519 keys.
    ///
    /// ```
    /// use hookgate_core::Secret;
    /// assert!(Secret::standard_webhooks("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").is_ok());
    /// assert!(Secret::standard_webhooks("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").is_ok());
    /// assert!(Secret::standard_webhooks("whsec_not base64!").is_err());
    /// ```
    pub fn standard_webhooks(text: &str) -> Result<Self, ConfigError> {
        let text = text.trim();
        if let Some(b64) = text.strip_prefix("whpk_") {
            let bytes = decode_b64(b64, "whpk_")?;
            let arr: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| ConfigError::new(ConfigErrorKind::InvalidSecret, "whpk_ key must decode to 32 bytes"))?;
            let key = VerifyingKey::from_bytes(&arr).map_err(|_| {
                ConfigError::new(ConfigErrorKind::InvalidSecret, "whpk_ key is not a valid Ed25519 point")
            })?;
            return Ok(Self { material: Material::Ed25519Public(key), expires_at: None });
        }
        if let Some(b64) = text.strip_prefix("whsk_") {
            let bytes = decode_b64(b64, "whsk_")?;
            // Either the 32-byte seed, or the seed followed by the 32-byte public key.
            if bytes.len() != 32 && bytes.len() != 64 {
                return Err(ConfigError::new(
                    ConfigErrorKind::InvalidSecret,
                    "whsk_ key must decode to 32 or 64 bytes",
                ));
            }
            let mut seed = Zeroizing::new([0u8; 32]);
            seed.copy_from_slice(&bytes[..32]);
            let key = SigningKey::from_bytes(&seed);
            if bytes.len() == 64 && key.verifying_key().as_bytes()[..] != bytes[32..] {
                return Err(ConfigError::new(
                    ConfigErrorKind::InvalidSecret,
                    "whsk_ key: public half does not match the seed",
                ));
            }
            return Ok(Self { material: Material::Ed25519Signing(Box::new(key)), expires_at: None });
        }
        let b64 = text.strip_prefix("whsec_").unwrap_or(text);
        let bytes = decode_b64(b64, "whsec_")?;
        Self::hmac(&*bytes)
    }

    /// Builds a secret from configuration text, as `format` says.
    pub fn parse(format: SecretFormat, text: &str) -> Result<Self, ConfigError> {
        match format {
            SecretFormat::Raw => Self::hmac(text.as_bytes()),
            SecretFormat::StandardWebhooks => Self::standard_webhooks(text),
        }
    }

    /// This secret stops verifying at `at` (the old secret during a rotation).
    pub fn expires_at(mut self, at: SystemTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// When this secret stops verifying, if ever.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// Whether the secret may verify at `now`.
    pub fn is_active(&self, now: SystemTime) -> bool {
        self.expires_at.is_none_or(|t| now < t)
    }

    fn kind_name(&self) -> &'static str {
        match self.material {
            Material::Hmac(_) => "hmac",
            Material::Ed25519Public(_) => "ed25519 public",
            Material::Ed25519Signing(_) => "ed25519 signing",
        }
    }

    /// The keyed HMAC state, for HMAC secrets.
    pub(crate) fn hmac_state(&self) -> Option<&HmacSha256> {
        match &self.material {
            Material::Hmac(m) => Some(m),
            _ => None,
        }
    }

    /// The Ed25519 public key, for Ed25519 secrets (signing keys verify too).
    pub(crate) fn ed25519_public(&self) -> Option<VerifyingKey> {
        match &self.material {
            Material::Ed25519Public(k) => Some(*k),
            Material::Ed25519Signing(k) => Some(k.verifying_key()),
            Material::Hmac(_) => None,
        }
    }

    #[cfg(feature = "test-util")]
    pub(crate) fn ed25519_signing(&self) -> Option<&SigningKey> {
        match &self.material {
            Material::Ed25519Signing(k) => Some(k),
            _ => None,
        }
    }
}

fn decode_b64(b64: &str, what: &'static str) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    let bytes =
        Zeroizing::new(BASE64_LENIENT.decode(b64.as_bytes()).map_err(|_| {
            ConfigError::new(ConfigErrorKind::InvalidSecret, format!("{what} secret is not valid base64"))
        })?);
    if bytes.is_empty() {
        return Err(ConfigError::new(ConfigErrorKind::InvalidSecret, format!("{what} secret is empty")));
    }
    Ok(bytes)
}

impl Drop for Material {
    fn drop(&mut self) {
        if let Material::Hmac(state) = self {
            // The keyed state is as good as the key: overwrite it in place with a zero-key state
            // (sha2 0.10 offers no zeroize), and keep the store from being optimised away.
            *state = HmacSha256::new_from_slice(&[0u8; 64]).expect("any key length");
            std::hint::black_box(state);
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("kind", &self.kind_name())
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[redacted {} secret]", self.kind_name())
    }
}

/// The secrets of one endpoint; any active one may verify (rotation).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use hookgate_core::{Secret, Secrets};
///
/// let now = SystemTime::now();
/// let secrets = Secrets::new(vec![
///     Secret::hmac("new-secret").unwrap(),
///     Secret::hmac("old-secret").unwrap().expires_at(now + Duration::from_secs(86_400)),
/// ])
/// .unwrap();
/// assert_eq!(secrets.len(), 2);
/// ```
#[derive(Debug)]
pub struct Secrets(Vec<Secret>);

impl Secrets {
    /// At least one secret is required.
    pub fn new(secrets: Vec<Secret>) -> Result<Self, ConfigError> {
        if secrets.is_empty() {
            return Err(ConfigError::new(ConfigErrorKind::NoSecret, "at least one secret is required"));
        }
        Ok(Self(secrets))
    }

    /// Parses each text with `format`.
    pub fn parse<S: AsRef<str>>(format: SecretFormat, texts: &[S]) -> Result<Self, ConfigError> {
        Self::new(texts.iter().map(|t| Secret::parse(format, t.as_ref())).collect::<Result<_, _>>()?)
    }

    /// How many secrets there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: construction requires one secret.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The secrets, in configuration order (indexes match [`crate::Verified::secret_index`]).
    pub fn iter(&self) -> impl Iterator<Item = &Secret> {
        self.0.iter()
    }
}

impl From<Secret> for Secrets {
    fn from(s: Secret) -> Self {
        Self(vec![s])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn whsec_with_and_without_padding_and_prefix() {
        // 24 random bytes encode without padding; strip one char group to exercise padding.
        for t in [
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_YWJj",
            "whsec_YWI=",
            "whsec_YWI",
        ] {
            assert!(Secret::standard_webhooks(t).is_ok(), "{t}");
        }
        assert!(Secret::standard_webhooks("whsec_").is_err());
        assert!(Secret::standard_webhooks("whsec_%%%").is_err());
    }

    #[test]
    fn ed25519_keys() {
        let pk = Secret::standard_webhooks("whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=").unwrap();
        assert!(pk.ed25519_public().is_some());
        let sk = Secret::standard_webhooks(
            "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==",
        )
        .unwrap();
        assert_eq!(sk.ed25519_public(), pk.ed25519_public());
        assert!(Secret::standard_webhooks("whpk_YWJj").is_err());
    }

    #[test]
    fn never_printed() {
        let s = Secret::hmac("hunter2-very-secret").unwrap();
        let shown = format!("{s:?} {s}");
        assert!(!format!("{shown} {:?}", Secrets::from(s)).contains("hunter2"));
    }

    #[test]
    fn expiry() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let s = Secret::hmac("k").unwrap().expires_at(now);
        assert!(s.is_active(now - Duration::from_secs(1)));
        assert!(!s.is_active(now));
        assert!(Secret::hmac("").is_err());
        assert!(Secrets::new(vec![]).is_err());
    }
}
