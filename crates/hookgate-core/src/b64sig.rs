//! Base64 decoding of 32-byte signatures (Standard Webhooks, Svix, Shopify and custom schemes):
//! 43 characters, with or without one `=`.
//!
//! The `base64` crate decodes any length well, and still decodes the secrets and 64-byte Ed25519
//! signatures; for one 32-byte MAC its general loop and its separate last-block handling took
//! ~68 ns and ~560 instructions, a tenth of the time `authenticate` spent on a 1 KiB Standard
//! Webhooks request (`BENCHMARKS.md`). Here: one table lookup per character, each group of four
//! values packed into three bytes as it is read (~280 instructions per signature under
//! callgrind; ~370 when the values were first stored and then packed). The signature comes from
//! the request, so nothing here needs to be constant-time.

/// Characters in the unpadded base64 of 32 bytes.
const CHARS: usize = 43;

/// Not a character of the standard alphabet (the high bit marks it).
const INVALID: u8 = 0xff;

/// Each byte's value in the standard alphabet, or [`INVALID`].
const VALUES: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Decodes the standard-alphabet base64 of 32 bytes (43 characters, or 44 ending in `=`) into
/// `out`; false unless `text` is exactly that, in canonical form (the last character's two unused
/// bits zero), as the `base64` crate's decoder requires. `out` may be partly written when it
/// returns false.
pub(crate) fn decode32(text: &[u8], out: &mut [u8; 32]) -> bool {
    let text = match text {
        [t @ .., b'='] if t.len() == CHARS => t,
        t => t,
    };
    let Ok(text) = <&[u8; CHARS]>::try_from(text) else {
        return false;
    };
    let v = |i: usize| u32::from(VALUES[usize::from(text[i])]);
    // Each group of four characters read, looked up and packed into three bytes at once; an
    // invalid character's 0xff sets bits above the 24 of a group's value, collected in `bad`.
    let mut bad = 0u32;
    for g in 0..10 {
        let i = 4 * g;
        let (a, b, c, d) = (v(i), v(i + 1), v(i + 2), v(i + 3));
        bad |= a | b | c | d;
        let n = (a << 18) | (b << 12) | (c << 6) | d;
        out[3 * g..3 * g + 3].copy_from_slice(&n.to_be_bytes()[1..]);
    }
    let (a, b, c) = (v(40), v(41), v(42));
    bad |= a | b | c;
    let n = (a << 12) | (b << 6) | c;
    out[30..].copy_from_slice(&(n >> 2).to_be_bytes()[2..]);
    // Valid values are below 64, so bit 7 of `bad` is set only by an invalid character; the last
    // character's two unused bits must be zero (canonical form).
    bad & 0x80 == 0 && n & 0b11 == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    use proptest::prelude::*;

    /// What the `base64` crate's decoders (padded or not, canonical) make of `text`.
    fn reference(text: &[u8]) -> Option<[u8; 32]> {
        let decoded = if text.len() == 44 { STANDARD.decode(text) } else { STANDARD_NO_PAD.decode(text) };
        decoded.ok().and_then(|v| <[u8; 32]>::try_from(v).ok())
    }

    fn check(text: &[u8]) {
        let mut out = [0u8; 32];
        let ours = decode32(text, &mut out).then_some(out);
        assert_eq!(ours, reference(text), "{:?}", String::from_utf8_lossy(text));
    }

    #[test]
    fn every_byte_value_in_every_position() {
        let mac: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(97).wrapping_add(13)).collect();
        for background in [STANDARD.encode(&mac), STANDARD_NO_PAD.encode(&mac), STANDARD.encode([0xffu8; 32])] {
            check(background.as_bytes());
            for pos in 0..background.len() {
                for byte in 0..=255u8 {
                    let mut text = background.clone().into_bytes();
                    text[pos] = byte;
                    check(&text);
                }
            }
        }
    }

    #[test]
    fn lengths_and_padding() {
        let enc = STANDARD.encode([7u8; 32]);
        for len in 0..50 {
            check(&enc.as_bytes().repeat(2)[..len]);
        }
        for text in [format!("{}=", &enc[..43]), format!("{}==", &enc[..43]), format!("{}==", &enc[..42])] {
            check(text.as_bytes());
        }
        check(format!("={}", &enc[..43]).as_bytes());
        // Non-canonical: the last character's unused bits set ('Kkw' vs 'Kkx').
        let mut out = [0u8; 32];
        assert!(decode32(b"tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw", &mut out));
        assert!(!decode32(b"tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkx", &mut out));
    }

    proptest! {
        #[test]
        fn matches_the_crate(mac in any::<[u8; 32]>(), pad in any::<bool>(), flip in any::<Option<(usize, u8)>>()) {
            let mut text = if pad { STANDARD.encode(mac) } else { STANDARD_NO_PAD.encode(mac) }.into_bytes();
            let mut out = [0u8; 32];
            prop_assert!(decode32(&text, &mut out));
            prop_assert_eq!(out, mac);
            if let Some((pos, byte)) = flip {
                let pos = pos % text.len();
                text[pos] = byte;
                check(&text);
            }
        }
    }
}
