//! The signature header: its syntax, the signatures it carries, and checking them.

use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};
use subtle::{Choice, ConstantTimeEq};

use crate::error::{VerifyError, VerifyErrorKind};
use crate::scheme::{Encoding, Scheme, SignatureSyntax};
use crate::secret::BASE64_LENIENT;

/// More signatures than this in one header is refused (400): a rotation needs two or three.
pub const MAX_SIGNATURES: usize = 8;

/// The length of an HMAC-SHA256 tag.
const HMAC_LEN: usize = 32;

/// The longest signature decoded (an Ed25519 signature).
const MAX_LEN: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alg {
    Hmac,
    Ed25519,
}

/// One signature as written in the header, not yet decoded.
#[derive(Debug)]
struct Written<'h> {
    alg: Alg,
    encoding: Encoding,
    text: &'h str,
}

/// What the signature header holds: its signatures and, for `t=`-style lists, the timestamp.
#[derive(Debug)]
pub(crate) struct SignatureHeader<'h> {
    name: &'h str,
    written: Vec<Written<'h>>,
    /// The `t=` entry of a [`SignatureSyntax::Params`] list, exactly as sent.
    pub(crate) timestamp: Option<&'h str>,
}

/// The header's signatures, decoded.
#[derive(Debug)]
pub(crate) struct Signatures {
    hmac: Vec<[u8; HMAC_LEN]>,
    ed25519: Vec<Signature>,
}

impl<'h> SignatureHeader<'h> {
    /// Splits `value` (the header `name`'s value, non-empty) as the scheme's syntax says.
    /// Entries of other versions or keys are ignored, so nobody can downgrade.
    pub(crate) fn parse(scheme: &Scheme, name: &'h str, value: &'h str) -> Result<Self, VerifyError> {
        let mut header = SignatureHeader { name, written: Vec::new(), timestamp: None };
        match &scheme.syntax {
            SignatureSyntax::Single { prefix, prefix_required } => {
                let text = match value.strip_prefix(&**prefix) {
                    Some(v) => v,
                    None if !*prefix_required => value,
                    None => return Err(malformed(name, "signature lacks its prefix")),
                };
                header.push(Alg::Hmac, scheme.encoding, text)?;
            }
            SignatureSyntax::Params { timestamp_key, signature_key } => {
                for item in value.split(',') {
                    let (key, v) =
                        item.trim().split_once('=').ok_or_else(|| malformed(name, "list entry is not `key=value`"))?;
                    if key == timestamp_key {
                        if header.timestamp.is_some_and(|t| t != v) {
                            return Err(VerifyError::new(VerifyErrorKind::AmbiguousHeader)
                                .header(name)
                                .detail("several different timestamps"));
                        }
                        header.timestamp = Some(v);
                    } else if key == signature_key {
                        header.push(Alg::Hmac, scheme.encoding, v)?;
                    }
                }
                if header.timestamp.is_none() {
                    return Err(malformed(name, "no timestamp entry"));
                }
            }
            SignatureSyntax::VersionedList => {
                for item in value.split_ascii_whitespace() {
                    let (version, v) =
                        item.split_once(',').ok_or_else(|| malformed(name, "entry is not `version,signature`"))?;
                    match version {
                        "v1" => header.push(Alg::Hmac, Encoding::Base64, v)?,
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
    pub(crate) fn decode(&self) -> Result<Signatures, VerifyError> {
        let mut out = Signatures { hmac: Vec::new(), ed25519: Vec::new() };
        for w in &self.written {
            let bad = || malformed_signature(self.name, w.encoding);
            match w.alg {
                Alg::Hmac => out.hmac.push(decode(w, [0; HMAC_LEN]).ok_or_else(bad)?),
                Alg::Ed25519 => out.ed25519.push(Signature::from_bytes(&decode(w, [0; MAX_LEN]).ok_or_else(bad)?)),
            }
        }
        Ok(out)
    }
}

/// Decodes `w` into exactly `N` bytes, or `None` when it is not of its encoding or length.
fn decode<const N: usize>(w: &Written<'_>, mut out: [u8; N]) -> Option<[u8; N]> {
    match w.encoding {
        Encoding::Hex => hex::decode_to_slice(w.text, &mut out).ok()?,
        Encoding::Base64 => {
            // Padding is optional: the text of N bytes is N.div_ceil(3) * 4 characters at most,
            // and the decoder needs room for a whole last group.
            if w.text.len() > N.div_ceil(3) * 4 {
                return None;
            }
            let mut buf = [0u8; MAX_LEN + 3];
            let n = BASE64_LENIENT.decode_slice(w.text, &mut buf).ok()?;
            out = buf[..n].try_into().ok()?;
        }
    }
    Some(out)
}

impl Signatures {
    /// Whether `tag` is one of the HMAC signatures; every one is compared in constant time.
    pub(crate) fn has_hmac(&self, tag: &[u8]) -> bool {
        let matched = self.hmac.iter().fold(Choice::from(0), |acc, s| acc | s[..].ct_eq(tag));
        bool::from(matched)
    }

    /// Whether `key` made one of the Ed25519 signatures over the message `signed` builds (built
    /// only when there is a signature to check).
    pub(crate) fn has_ed25519(&self, key: &VerifyingKey, signed: impl FnOnce() -> Vec<u8>) -> bool {
        if self.ed25519.is_empty() {
            return false;
        }
        let message = signed();
        self.ed25519.iter().any(|s| key.verify_strict(&message, s).is_ok())
    }
}

fn malformed(header: &str, why: &'static str) -> VerifyError {
    VerifyError::new(VerifyErrorKind::MalformedHeader).header(header).detail(why)
}

fn malformed_signature(header: &str, encoding: Encoding) -> VerifyError {
    malformed(
        header,
        match encoding {
            Encoding::Hex => "signature is not 64 hex digits",
            Encoding::Base64 => "signature is not base64 of the right length",
        },
    )
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
        let sigs = Signatures { hmac: vec![[7; 32]], ed25519: Vec::new() };
        assert!(sigs.has_hmac(&[7; 32]));
        for i in 0..32 {
            let mut tag = [7u8; 32];
            tag[i] ^= 1;
            assert!(!sigs.has_hmac(&tag));
        }
        assert!(!sigs.has_hmac(&[7; 31]));
    }
}
