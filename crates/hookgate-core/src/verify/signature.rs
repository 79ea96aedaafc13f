//! The signature header: its syntax, the signatures it carries, and checking them.

use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};
use smallvec::SmallVec;
use subtle::{Choice, ConstantTimeEq};

use crate::error::{VerifyError, VerifyErrorKind};
use crate::scheme::{Algorithm, Encoding, Scheme, SignatureSyntax};
use crate::secret::{BASE64_LENIENT, Secret};

/// More signatures than this in one header is refused (400): a rotation needs two or three.
pub const MAX_SIGNATURES: usize = 8;

/// The longest signature decoded: a DER ECDSA P-256 signature (an Ed25519 one is 64 bytes, an
/// HMAC-SHA512 tag too).
const MAX_LEN: usize = 72;

/// The longest shared token accepted.
const MAX_TOKEN_LEN: usize = 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Alg {
    /// An HMAC tag of this many bytes.
    Hmac(usize),
    Ed25519,
    P256,
    Token,
}

/// One signature as written in the header, not yet decoded. No `Debug`: a presented shared token
/// is the secret itself when it is genuine.
struct Written<'h> {
    alg: Alg,
    encoding: Encoding,
    text: &'h str,
}

/// What the signature header holds: its signatures and, for `t=`-style lists, the timestamp.
pub(crate) struct SignatureHeader<'h> {
    name: &'h str,
    // Headers carry one signature, two during a rotation: kept inline, no allocation.
    written: SmallVec<[Written<'h>; 2]>,
    /// The `t=` entry of a [`SignatureSyntax::Params`] list, exactly as sent.
    pub(crate) timestamp: Option<&'h str>,
}

/// The header's signatures, decoded. No `Debug`, as for [`Written`].
#[derive(Default)]
pub(crate) struct Signatures<'h> {
    /// HMAC tags, zero-padded to 64 bytes, with their length (inline for up to two).
    hmac: SmallVec<[([u8; 64], usize); 2]>,
    ed25519: Vec<Signature>,
    p256: Vec<p256::ecdsa::Signature>,
    tokens: Vec<&'h str>,
}

impl std::fmt::Debug for SignatureHeader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The signatures themselves are left out (a presented token may be the secret).
        f.debug_struct("SignatureHeader").field("name", &self.name).field("signatures", &self.written.len()).finish()
    }
}

impl<'h> SignatureHeader<'h> {
    /// A header with no signature and no timestamp entry.
    pub(crate) fn empty() -> Self {
        SignatureHeader { name: "", written: SmallVec::new(), timestamp: None }
    }

    /// Splits `value` (the header `name`'s value, non-empty) as the scheme's syntax says.
    /// Entries of other versions or keys are ignored, so nobody can downgrade.
    pub(crate) fn parse(scheme: &Scheme, name: &'h str, value: &'h str) -> Result<Self, VerifyError> {
        let mut header = SignatureHeader { name, written: SmallVec::new(), timestamp: None };
        let alg = match scheme.algorithm {
            Algorithm::Ed25519 => Alg::Ed25519,
            Algorithm::EcdsaP256 => Alg::P256,
            Algorithm::Token => Alg::Token,
            a => Alg::Hmac(a.tag_len().expect("HMAC algorithms have a tag length")),
        };
        match &scheme.syntax {
            SignatureSyntax::Single { prefix, prefix_required } => {
                let text = match value.strip_prefix(&**prefix) {
                    Some(v) => v,
                    None if !*prefix_required => value,
                    None => return Err(malformed(name, "signature lacks its prefix")),
                };
                header.push(alg, scheme.encoding, text)?;
            }
            SignatureSyntax::Params { timestamp_key, signature_key, separator } => {
                for item in value.split(*separator).map(str::trim).filter(|i| !i.is_empty()) {
                    let (key, v) =
                        item.split_once('=').ok_or_else(|| malformed(name, "list entry is not `key=value`"))?;
                    if Some(key) == timestamp_key.as_deref() {
                        if header.timestamp.is_some_and(|t| t != v) {
                            return Err(VerifyError::new(VerifyErrorKind::AmbiguousHeader)
                                .header(name)
                                .detail("several different timestamps"));
                        }
                        header.timestamp = Some(v);
                    } else if key == signature_key {
                        header.push(alg, scheme.encoding, v)?;
                    }
                }
                if timestamp_key.is_some() && header.timestamp.is_none() {
                    return Err(malformed(name, "no timestamp entry"));
                }
            }
            SignatureSyntax::VersionedList => {
                for item in value.split_ascii_whitespace() {
                    let (version, v) =
                        item.split_once(',').ok_or_else(|| malformed(name, "entry is not `version,signature`"))?;
                    match version {
                        "v1" => header.push(Alg::Hmac(32), Encoding::Base64, v)?,
                        "v1a" => header.push(Alg::Ed25519, Encoding::Base64, v)?,
                        _ => {}
                    }
                }
            }
        }
        if header.written.is_empty() {
            return Err(VerifyError::new(VerifyErrorKind::MissingSignature)
                .header(name)
                .detail("no signature of a supported version"));
        }
        Ok(header)
    }

    fn push(&mut self, alg: Alg, encoding: Encoding, text: &'h str) -> Result<(), VerifyError> {
        if self.written.len() == MAX_SIGNATURES {
            return Err(malformed(self.name, "too many signatures"));
        }
        self.written.push(Written { alg, encoding, text: text.trim() });
        Ok(())
    }

    /// How many signatures the header holds.
    pub(crate) fn len(&self) -> usize {
        self.written.len()
    }

    /// Decodes every signature; one that is not of its encoding or length is refused (400).
    pub(crate) fn decode(&self) -> Result<Signatures<'h>, VerifyError> {
        let mut out = Signatures::default();
        for w in &self.written {
            let bad = || malformed(self.name, "signature is not of its encoding and length");
            match w.alg {
                Alg::Hmac(len) => out.hmac.push((decode(w, len).ok_or_else(bad)?, len)),
                Alg::Ed25519 => {
                    let bytes = decode(w, 64).ok_or_else(bad)?;
                    out.ed25519.push(Signature::from_slice(&bytes[..64]).map_err(|_| bad())?);
                }
                Alg::P256 => {
                    let (bytes, len) = decode_der(w).ok_or_else(bad)?;
                    out.p256.push(p256::ecdsa::Signature::from_der(&bytes[..len]).map_err(|_| bad())?);
                }
                Alg::Token if w.text.len() <= MAX_TOKEN_LEN => out.tokens.push(w.text),
                Alg::Token => return Err(malformed(self.name, "token is too long")),
            }
        }
        Ok(out)
    }
}

/// Decodes `w` into exactly `len` bytes (at the front of the buffer), or `None` when it is not of
/// its encoding or length.
fn decode(w: &Written<'_>, len: usize) -> Option<[u8; 64]> {
    let mut out = [0u8; 64];
    match w.encoding {
        Encoding::Hex => hex::decode_to_slice(w.text, &mut out[..len]).ok()?,
        Encoding::Base64 => {
            let (buf, n) = decode_base64(w.text, len)?;
            if n != len {
                return None;
            }
            out[..len].copy_from_slice(&buf[..len]);
        }
    }
    Some(out)
}

/// Decodes a base64 DER signature of at most [`MAX_LEN`] bytes.
fn decode_der(w: &Written<'_>) -> Option<([u8; MAX_LEN + 3], usize)> {
    match w.encoding {
        Encoding::Base64 => decode_base64(w.text, MAX_LEN),
        Encoding::Hex => None,
    }
}

/// Base64 of at most `max` bytes. Padding is optional: the text of `max` bytes is
/// `max.div_ceil(3) * 4` characters at most, and the decoder needs room for a whole last group.
fn decode_base64(text: &str, max: usize) -> Option<([u8; MAX_LEN + 3], usize)> {
    if text.len() > max.div_ceil(3) * 4 {
        return None;
    }
    let mut buf = [0u8; MAX_LEN + 3];
    let n = BASE64_LENIENT.decode_slice(text, &mut buf).ok()?;
    Some((buf, n))
}

impl Signatures<'_> {
    /// Whether `tag` is one of the HMAC signatures; every one is compared in constant time.
    pub(crate) fn has_hmac(&self, tag: &[u8]) -> bool {
        let matched = self.hmac.iter().fold(Choice::from(0), |acc, (s, len)| acc | equal(&s[..*len], tag));
        bool::from(matched)
    }

    /// Whether `key` made one of the Ed25519 signatures over the message `signed` gives (built
    /// only when there is a signature to check).
    pub(crate) fn has_ed25519<'m>(&self, key: &VerifyingKey, signed: impl FnOnce() -> &'m [u8]) -> bool {
        if self.ed25519.is_empty() {
            return false;
        }
        let message = signed();
        self.ed25519.iter().any(|s| key.verify_strict(message, s).is_ok())
    }

    /// Whether `key` made one of the ECDSA P-256 signatures (SHA-256) over the message.
    pub(crate) fn has_p256<'m>(&self, key: &p256::ecdsa::VerifyingKey, signed: impl FnOnce() -> &'m [u8]) -> bool {
        use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
        use sha2::Digest as _;
        if self.p256.is_empty() {
            return false;
        }
        let digest = sha2::Sha256::digest(signed());
        self.p256.iter().any(|s| key.verify_prehash(&digest, s).is_ok())
    }

    /// Whether one of the presented tokens is `secret` (a shared token), in constant time.
    pub(crate) fn has_token(&self, secret: &Secret) -> bool {
        self.tokens.iter().fold(false, |acc, t| acc | secret.token_matches(t.as_bytes()))
    }
}

/// Whether `a` and `b` are equal, in constant time for equal lengths (lengths are public): compared
/// eight bytes at a time with `subtle`, a quarter of the work of comparing byte by byte.
fn equal(a: &[u8], b: &[u8]) -> Choice {
    if a.len() != b.len() {
        return Choice::from(0);
    }
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail = a8.remainder().ct_eq(b8.remainder());
    a8.zip(b8).fold(tail, |acc, (x, y)| {
        let word = |c: &[u8]| u64::from_ne_bytes(c.try_into().expect("chunks of eight"));
        acc & word(x).ct_eq(&word(y))
    })
}

fn malformed(header: &str, why: &'static str) -> VerifyError {
    VerifyError::new(VerifyErrorKind::MalformedHeader).header(header).detail(why)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Preset;

    fn parse(p: Preset, value: &str) -> Result<SignatureHeader<'_>, VerifyError> {
        SignatureHeader::parse(&p.scheme(), "x-sig", value)
    }

    #[test]
    fn decode_lengths() {
        let ok = |p, v: &str| parse(p, v).and_then(|h| h.decode()).is_ok();
        let hex = |n| format!("sha256={}", "ab".repeat(n));
        assert!(ok(Preset::Github, &hex(32)));
        assert!(ok(Preset::Github, &hex(32).to_uppercase().replace("SHA256", "sha256")));
        assert!(!ok(Preset::Github, &hex(31)));
        assert!(!ok(Preset::Github, &"sha256=zz".repeat(32)));
        assert!(ok(Preset::StandardWebhooks, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="));
        assert!(ok(Preset::StandardWebhooks, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw"));
        assert!(!ok(Preset::StandardWebhooks, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3"));
        assert!(!ok(Preset::StandardWebhooks, &format!("v1,{}", "A".repeat(4000))));
    }

    #[test]
    fn lists_and_versions() {
        let value = format!("t=1,v0={0},v1={0}, v1={0}", "ab".repeat(32));
        let h = parse(Preset::Stripe, &value).unwrap();
        assert_eq!((h.len(), h.timestamp), (2, Some("1")));
        let e = parse(Preset::Stripe, "t=1,t=2,v1=ab").unwrap_err();
        assert_eq!(e.kind(), VerifyErrorKind::AmbiguousHeader);
        assert_eq!(parse(Preset::Stripe, "v1=ab").unwrap_err().kind(), VerifyErrorKind::MalformedHeader);
        assert_eq!(parse(Preset::Stripe, "t=1,v0=ab").unwrap_err().kind(), VerifyErrorKind::MissingSignature);
        assert_eq!(parse(Preset::StandardWebhooks, "v2,abc").unwrap_err().kind(), VerifyErrorKind::MissingSignature);
        let many = ["v1,x"; MAX_SIGNATURES + 1].join(" ");
        assert_eq!(parse(Preset::StandardWebhooks, &many).unwrap_err().kind(), VerifyErrorKind::MalformedHeader);
    }

    #[test]
    fn compares_every_byte() {
        let mut padded = [0; 64];
        padded[..32].copy_from_slice(&[7; 32]);
        let sigs = Signatures { hmac: smallvec::smallvec![(padded, 32)], ..Default::default() };
        assert!(sigs.has_hmac(&[7; 32]));
        for i in 0..32 {
            let mut tag = [7u8; 32];
            tag[i] ^= 1;
            assert!(!sigs.has_hmac(&tag));
        }
        assert!(!sigs.has_hmac(&[7; 31]));
    }
}
