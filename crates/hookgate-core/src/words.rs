//! Eight bytes at a time: what the header and signature scans and the idempotency key share.

/// A one in each byte of a word: `c * ONES` is byte `c` eight times.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;

/// The eight bytes of `s` from `at`, as a little-endian word (the first byte lowest).
#[inline(always)]
pub(crate) fn word_at(s: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"))
}
