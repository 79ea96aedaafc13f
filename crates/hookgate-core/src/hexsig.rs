//! Hex decoding of signatures, 64 digits at a time.
//!
//! A hex signature is 64 digits. Decoding them one by one through a table, with an early exit,
//! cost about 13 instructions per byte (callgrind): a third of what `authenticate` adds to the
//! HMAC of a 1 KiB body. Here a block of 64 digits is checked and converted with straight-line
//! byte arithmetic and no branch per digit, which the compiler turns into 16-byte vector
//! operations (baseline SSE2 on x86-64): ~130 instructions and ~20 ns per signature, where a
//! word-at-a-time version took ~400 and ~50 ns (BENCHMARKS.md). The signature comes from the
//! request, so nothing here needs to be constant-time.

/// Digits decoded per block: one 32-byte MAC.
const BLOCK: usize = 64;

/// 64 hex digits (either case) to 32 bytes, and whether all 64 were hex digits.
fn decode_block(text: &[u8; BLOCK], out: &mut [u8; BLOCK / 2]) -> bool {
    let mut values = [0u8; BLOCK];
    let mut bad = 0u8;
    for (value, &c) in values.iter_mut().zip(text) {
        let digit = c.wrapping_sub(b'0');
        // Setting bit 5 maps 'A'..='F' onto 'a'..='f' and no other byte onto them.
        let letter = (c | 0x20).wrapping_sub(b'a');
        let (is_digit, is_letter) = (digit < 10, letter < 6);
        *value = if is_digit { digit } else { letter.wrapping_add(10) };
        bad |= u8::from(!(is_digit | is_letter));
    }
    for (byte, pair) in out.iter_mut().zip(values.chunks_exact(2)) {
        *byte = (pair[0] << 4) | (pair[1] & 0x0f);
    }
    bad == 0
}

/// Decodes `text` (hex digits of either case) into `out`; false unless `text` is exactly
/// `2 * out.len()` hex digits. `out` may be partly written when it returns false.
pub(crate) fn decode(text: &[u8], out: &mut [u8]) -> bool {
    if text.len() != out.len() * 2 {
        return false;
    }
    // A 32-byte MAC, the common case: one block, decoded in place.
    if let (Ok(text), Ok(out)) = (<&[u8; BLOCK]>::try_from(text), <&mut [u8; BLOCK / 2]>::try_from(&mut *out)) {
        return decode_block(text, out);
    }
    let mut ok = true;
    for (digits, bytes) in text.chunks(BLOCK).zip(out.chunks_mut(BLOCK / 2)) {
        // A shorter last block is padded with '0' digits (valid, and cut off below).
        let mut block = [b'0'; BLOCK];
        block[..digits.len()].copy_from_slice(digits);
        let mut decoded = [0u8; BLOCK / 2];
        ok &= decode_block(&block, &mut decoded);
        bytes.copy_from_slice(&decoded[..bytes.len()]);
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The obvious decoder, one digit at a time.
    fn reference(text: &[u8]) -> Option<Vec<u8>> {
        let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        if text.len() % 2 != 0 {
            return None;
        }
        text.chunks(2).map(|p| Some((digit(p[0])? << 4) | digit(p[1])?)).collect()
    }

    fn check(text: &[u8]) {
        let mut out = vec![0u8; text.len() / 2];
        let ours = decode(text, &mut out).then_some(out);
        assert_eq!(ours, reference(text), "{:?}", String::from_utf8_lossy(text));
    }

    #[test]
    fn every_byte_value_in_every_position() {
        // A valid background of all 22 digit forms, then each of the 256 byte values put in
        // each of the 64 positions of a 32-byte signature.
        let background: Vec<u8> = b"0123456789abcdefABCDEF".iter().copied().cycle().take(64).collect();
        check(&background);
        for pos in 0..64 {
            for byte in 0..=255u8 {
                let mut text = background.clone();
                text[pos] = byte;
                check(&text);
            }
        }
    }

    #[test]
    fn every_pair_of_byte_values_in_neighbouring_positions() {
        // Any two neighbouring digits (one output byte) take every pair of values, around valid
        // digits, at the start, middle and end of a block.
        let background: Vec<u8> = b"0aF9c5B7".iter().copied().cycle().take(64).collect();
        for pos in [0, 30, 62] {
            for a in 0..=255u8 {
                for b in 0..=255u8 {
                    let mut text = background.clone();
                    (text[pos], text[pos + 1]) = (a, b);
                    check(&text);
                }
            }
        }
    }

    #[test]
    fn lengths_and_remainders() {
        for len in 0..40 {
            check(&b"9fA0".repeat(len)[..len * 2]);
            check(&b"9fA0".repeat(len + 1)[..len * 2 + 1]);
            check(&"7e".repeat(len).into_bytes());
        }
        let mut out = [0u8; 32];
        assert!(!decode(&[b'a'; 63], &mut out));
        assert!(!decode(&[b'a'; 65], &mut out));
        assert!(decode(&[b'a'; 64], &mut out) && out == [0xaa; 32]);
    }

    proptest! {
        #[test]
        fn matches_the_reference(text in proptest::collection::vec(
            prop_oneof![4 => proptest::sample::select(b"0123456789abcdefABCDEF".to_vec()), 1 => any::<u8>()],
            0..80,
        )) {
            check(&text);
        }
    }
}
