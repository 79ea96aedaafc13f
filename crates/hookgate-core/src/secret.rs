//! Signing secrets: never printed, wiped on drop, several per endpoint for rotation.

use std::fmt;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use ed25519_dalek::{SigningKey, VerifyingKey};
use hmac::{Hmac, Mac};
use p256::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha512};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{ConfigError, ConfigErrorKind};
use crate::scheme::{Algorithm, Scheme};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Standard base64 that accepts values with or without `=` padding (senders differ).
pub(crate) const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_encode_padding(true).with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How a scheme turns the configured secret text into key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretFormat {
    /// The secret's UTF-8 bytes are the key (HMAC) or the token (shared-token schemes).
    Raw,
    /// Standard Webhooks / Svix: `whsec_<base64>` (the prefix is optional) is base64-decoded;
    /// `whpk_<base64>` is an Ed25519 public key (`v1a`), `whsk_<base64>` an Ed25519 signing key.
    StandardWebhooks,
    /// Base64: HMAC key bytes, or for ECDSA P-256 a DER public key (SubjectPublicKeyInfo, as
    /// SendGrid shows it) or a DER PKCS#8 private key (for signing); PEM text is accepted too.
    Base64,
    /// Hexadecimal: for Ed25519 a 32-byte public key (as Discord shows it), or a 64-byte
    /// seed-and-public-key signing key.
    Hex,
}

/// The tag of an HMAC: up to 64 bytes (SHA-512). No `Debug`: it is an expected signature.
#[derive(Clone, Copy)]
pub(crate) struct Tag {
    bytes: [u8; 64],
    len: usize,
}

impl Tag {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

#[derive(Clone)]
enum HmacKey {
    Sha1(Hmac<Sha1>),
    Sha256(HmacSha256),
    // Boxed: its state is twice the others'.
    Sha512(Box<Hmac<Sha512>>),
}

impl HmacKey {
    fn new(algorithm: Algorithm, key: &[u8]) -> Option<Self> {
        Some(match algorithm {
            Algorithm::HmacSha1 => Self::Sha1(Hmac::new_from_slice(key).expect("HMAC accepts keys of any length")),
            Algorithm::HmacSha256 => Self::Sha256(Hmac::new_from_slice(key).expect("HMAC accepts keys of any length")),
            Algorithm::HmacSha512 => {
                Self::Sha512(Box::new(Hmac::new_from_slice(key).expect("HMAC accepts keys of any length")))
            }
            _ => return None,
        })
    }

    fn tag(&self, feed: impl FnOnce(&mut dyn FnMut(&[u8]))) -> Tag {
        fn run<M: Mac + Clone>(state: &M, feed: impl FnOnce(&mut dyn FnMut(&[u8]))) -> Tag {
            let mut mac = state.clone();
            feed(&mut |b| mac.update(b));
            let out = mac.finalize().into_bytes();
            let mut tag = Tag { bytes: [0; 64], len: out.len() };
            tag.bytes[..out.len()].copy_from_slice(&out);
            tag
        }
        match self {
            Self::Sha1(m) => run(m, feed),
            Self::Sha256(m) => run(m, feed),
            Self::Sha512(m) => run(&**m, feed),
        }
    }

    /// Overwrites the keyed state in place (through the box for SHA-512) with a zero-key state
    /// (sha1/sha2 offer no zeroize).
    fn wipe(&mut self) {
        let zero = [0u8; 64];
        match self {
            Self::Sha1(m) => *m = Hmac::new_from_slice(&zero).expect("any key length"),
            Self::Sha256(m) => *m = Hmac::new_from_slice(&zero).expect("any key length"),
            Self::Sha512(m) => **m = Hmac::new_from_slice(&zero).expect("any key length"),
        }
        std::hint::black_box(self);
    }
}

#[derive(Clone)]
enum Material {
    Hmac(HmacKey),
    Ed25519Public(VerifyingKey),
    Ed25519Signing(Box<SigningKey>),
    P256Public(p256::ecdsa::VerifyingKey),
    P256Signing(Box<p256::ecdsa::SigningKey>),
    /// A shared token: kept as text (to sign) and as its SHA-256, which is what is compared, so
    /// the comparison takes the same time whatever the presented token's length.
    Token {
        text: Zeroizing<String>,
        digest: [u8; 32],
    },
}

/// One secret (HMAC key, shared token, or Ed25519 / ECDSA P-256 key), optionally with an expiry
/// for rotation.
///
/// The key is held as ready-to-use keyed state, so a request pays no key set-up. `Debug` and
/// `Display` never show it; it is overwritten when dropped (signing keys zeroize themselves, the
/// HMAC state is replaced by a zero-key state in place).
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
        Self::hmac_with(Algorithm::HmacSha256, key.as_ref())
    }

    fn hmac_with(algorithm: Algorithm, key: &[u8]) -> Result<Self, ConfigError> {
        if key.is_empty() {
            return Err(invalid("secret is empty"));
        }
        let key = HmacKey::new(algorithm, key).ok_or_else(|| invalid("not an HMAC algorithm"))?;
        Ok(Self { material: Material::Hmac(key), expires_at: None })
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
            return Self::ed25519(&decode_b64(b64, "whpk_")?);
        }
        if let Some(b64) = text.strip_prefix("whsk_") {
            // A signing key: the 32-byte seed alone, or the seed followed by its public key.
            let bytes = decode_b64(b64, "whsk_")?;
            return match bytes.len() {
                32 => Self::ed25519_seed(&bytes),
                _ => Self::ed25519(&bytes),
            };
        }
        let b64 = text.strip_prefix("whsec_").unwrap_or(text);
        Self::hmac(&*decode_b64(b64, "whsec_")?)
    }

    /// An Ed25519 key: 32 bytes are a public key, 64 bytes a seed followed by its public key.
    fn ed25519(bytes: &[u8]) -> Result<Self, ConfigError> {
        let material = match bytes.len() {
            32 => {
                let arr: [u8; 32] = bytes.try_into().expect("32 bytes");
                Material::Ed25519Public(
                    VerifyingKey::from_bytes(&arr).map_err(|_| invalid("Ed25519 key is not a valid point"))?,
                )
            }
            64 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                seed.copy_from_slice(&bytes[..32]);
                let key = SigningKey::from_bytes(&seed);
                if key.verifying_key().as_bytes()[..] != bytes[32..] {
                    return Err(invalid("Ed25519 signing key: public half does not match the seed"));
                }
                Material::Ed25519Signing(Box::new(key))
            }
            _ => return Err(invalid("Ed25519 key must be 32 bytes (public) or 64 bytes (seed + public)")),
        };
        Ok(Self { material, expires_at: None })
    }

    /// An Ed25519 signing key from its 32-byte seed.
    fn ed25519_seed(seed: &[u8]) -> Result<Self, ConfigError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(seed);
        Ok(Self { material: Material::Ed25519Signing(Box::new(SigningKey::from_bytes(&bytes))), expires_at: None })
    }

    /// An ECDSA P-256 key: DER SubjectPublicKeyInfo (public) or PKCS#8 (private), or PEM text.
    fn p256(text: &str) -> Result<Self, ConfigError> {
        let material = if text.starts_with("-----BEGIN") {
            if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(text) {
                Material::P256Public(k)
            } else {
                let k = p256::ecdsa::SigningKey::from_pkcs8_pem(text)
                    .map_err(|_| invalid("P-256 key: PEM is neither a public key nor a PKCS#8 private key"))?;
                Material::P256Signing(Box::new(k))
            }
        } else {
            let der = decode_b64(text, "P-256")?;
            if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(&der) {
                Material::P256Public(k)
            } else {
                let k = p256::ecdsa::SigningKey::from_pkcs8_der(&der).map_err(|_| {
                    invalid("P-256 key: base64 DER is neither a SubjectPublicKeyInfo nor a PKCS#8 private key")
                })?;
                Material::P256Signing(Box::new(k))
            }
        };
        Ok(Self { material, expires_at: None })
    }

    /// Builds a secret for `algorithm` from configuration text, as `format` says.
    ///
    /// ```
    /// use hookgate_core::{Algorithm, Secret, SecretFormat};
    /// assert!(Secret::parse(Algorithm::Ed25519, SecretFormat::Hex, "not hex").is_err());
    /// assert!(Secret::parse(Algorithm::HmacSha1, SecretFormat::Raw, "k").is_ok());
    /// assert!(Secret::parse(Algorithm::Token, SecretFormat::Hex, "k").is_err());
    /// ```
    pub fn parse(algorithm: Algorithm, format: SecretFormat, text: &str) -> Result<Self, ConfigError> {
        use {Algorithm as A, SecretFormat as F};
        match (algorithm, format) {
            (A::HmacSha1 | A::HmacSha256 | A::HmacSha512, F::Raw) => Self::hmac_with(algorithm, text.as_bytes()),
            (A::HmacSha1 | A::HmacSha256 | A::HmacSha512, F::Base64) => {
                Self::hmac_with(algorithm, &decode_b64(text.trim(), "base64")?)
            }
            (A::HmacSha256 | A::Ed25519, F::StandardWebhooks) => Self::standard_webhooks(text),
            (A::Ed25519, F::Hex) => {
                let bytes =
                    Zeroizing::new(hex::decode(text.trim()).map_err(|_| invalid("Ed25519 key is not hexadecimal"))?);
                Self::ed25519(&bytes)
            }
            (A::EcdsaP256, F::Base64) => Self::p256(text.trim()),
            (A::Token, F::Raw) => {
                if text.is_empty() {
                    return Err(invalid("token is empty"));
                }
                let digest = Sha256::digest(text.as_bytes()).into();
                Ok(Self {
                    material: Material::Token { text: Zeroizing::new(text.to_owned()), digest },
                    expires_at: None,
                })
            }
            _ => Err(invalid(format!("a {algorithm:?} secret cannot be given as {format:?}"))),
        }
    }

    /// Builds a secret for `scheme` (its algorithm and secret format) from configuration text.
    ///
    /// ```
    /// use hookgate_core::{Preset, Secret};
    /// assert!(Secret::for_scheme(&Preset::Svix.scheme(), "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").is_ok());
    /// ```
    pub fn for_scheme(scheme: &Scheme, text: &str) -> Result<Self, ConfigError> {
        Self::parse(scheme.algorithm(), scheme.secret_format(), text)
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
            Material::P256Public(_) => "p-256 public",
            Material::P256Signing(_) => "p-256 signing",
            Material::Token { .. } => "token",
        }
    }

    /// The HMAC of what `feed` writes, for HMAC secrets.
    pub(crate) fn hmac_tag(&self, feed: impl FnOnce(&mut dyn FnMut(&[u8]))) -> Option<Tag> {
        match &self.material {
            Material::Hmac(key) => Some(key.tag(feed)),
            _ => None,
        }
    }

    /// The Ed25519 public key, for Ed25519 secrets (signing keys verify too).
    pub(crate) fn ed25519_public(&self) -> Option<VerifyingKey> {
        match &self.material {
            Material::Ed25519Public(k) => Some(*k),
            Material::Ed25519Signing(k) => Some(k.verifying_key()),
            _ => None,
        }
    }

    /// The ECDSA P-256 public key, for P-256 secrets (signing keys verify too).
    pub(crate) fn p256_public(&self) -> Option<p256::ecdsa::VerifyingKey> {
        match &self.material {
            Material::P256Public(k) => Some(*k),
            Material::P256Signing(k) => Some(*k.verifying_key()),
            _ => None,
        }
    }

    /// Whether `presented` is this shared token, compared in constant time (of its digest).
    pub(crate) fn token_matches(&self, presented: &[u8]) -> bool {
        match &self.material {
            Material::Token { digest, .. } => bool::from(Sha256::digest(presented).ct_eq(digest)),
            _ => false,
        }
    }

    #[cfg(feature = "test-util")]
    pub(crate) fn ed25519_signing(&self) -> Option<&SigningKey> {
        match &self.material {
            Material::Ed25519Signing(k) => Some(k),
            _ => None,
        }
    }

    #[cfg(feature = "test-util")]
    pub(crate) fn p256_signing(&self) -> Option<&p256::ecdsa::SigningKey> {
        match &self.material {
            Material::P256Signing(k) => Some(k),
            _ => None,
        }
    }

    #[cfg(feature = "test-util")]
    pub(crate) fn token_text(&self) -> Option<&str> {
        match &self.material {
            Material::Token { text, .. } => Some(text),
            _ => None,
        }
    }
}

fn invalid(why: impl Into<std::borrow::Cow<'static, str>>) -> ConfigError {
    ConfigError::new(ConfigErrorKind::InvalidSecret, why)
}

fn decode_b64(b64: &str, what: &'static str) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    let bytes = Zeroizing::new(
        BASE64_LENIENT.decode(b64.as_bytes()).map_err(|_| invalid(format!("{what} secret is not valid base64")))?,
    );
    if bytes.is_empty() {
        return Err(invalid(format!("{what} secret is empty")));
    }
    Ok(bytes)
}

impl Drop for Material {
    fn drop(&mut self) {
        if let Material::Hmac(state) = self {
            // The keyed state is as good as the key.
            state.wipe();
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

    /// Parses each text for `scheme` ([`Secret::for_scheme`]).
    pub fn for_scheme<S: AsRef<str>>(scheme: &Scheme, texts: &[S]) -> Result<Self, ConfigError> {
        Self::new(texts.iter().map(|t| Secret::for_scheme(scheme, t.as_ref())).collect::<Result<_, _>>()?)
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
    fn whsk_seed_alone_is_a_signing_key() {
        let sk = Secret::standard_webhooks("whsk_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=").unwrap();
        assert!(sk.ed25519_signing().is_some());
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
