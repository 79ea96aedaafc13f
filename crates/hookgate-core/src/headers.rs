//! How the core reads request headers without knowing the HTTP framework.
//!
//! axum/hyper use `http` 1.x and actix-web has its own header map; each adapter implements
//! [`Headers`] on a thin borrowed wrapper, so no header is ever copied.

use crate::error::{VerifyError, VerifyErrorKind};
use crate::words::{ONES, word_at};

/// Header values longer than this are refused as malformed before any decoding work.
///
/// The longest legitimate value hookgate reads is a Standard Webhooks signature list during a
/// key rotation (a few `v1,<base64>` entries of 47 bytes each); 4 KiB leaves ample room.
pub const MAX_HEADER_VALUE_LEN: usize = 4096;

/// Read access to a request's headers.
///
/// Names are always lowercase ASCII: the core lowercases every name a scheme gives, and the
/// implementations here compare a header's name, in any case, with the lowercase one asked for
/// (a name asked for with capitals may not be found). Implementations call `each` once per value
/// of a header, in order, and never allocate. [`Headers::each_value_of`] reads several headers at
/// once; its default asks [`Headers::each_value`] once per name, and maps that can answer in one
/// pass over their headers override it (the adapters do, through [`header_values`]).
///
/// ```
/// use hookgate_core::Headers;
///
/// let headers = [("X-GitHub-Event", "push"), ("X-GitHub-Delivery", "72d3")];
/// let mut seen = Vec::new();
/// headers.each_value("x-github-event", &mut |v| seen.push(v.to_vec()));
/// assert_eq!(seen, vec![b"push".to_vec()]);
///
/// let mut both = Vec::new();
/// headers.each_value_of(&["x-github-delivery", "x-github-event"], &mut |i, v| both.push((i, v.to_vec())));
/// assert_eq!(both, vec![(1, b"push".to_vec()), (0, b"72d3".to_vec())]);
/// ```
pub trait Headers {
    /// Calls `each` with every value of the header `name` (lowercase).
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8]));

    /// Calls `each(i, value)` with every value of every header `names[i]` (lowercase, all
    /// different); the values of one header in order, the headers in any order.
    fn each_value_of<'a>(&'a self, names: &[&str], each: &mut dyn FnMut(usize, &'a [u8])) {
        for (i, name) in names.iter().enumerate() {
            self.each_value(name, &mut |v| each(i, v));
        }
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Headers for [(K, V)] {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        self.each_value_of(&[name], &mut |_, v| each(v))
    }

    #[inline]
    fn each_value_of<'a>(&'a self, names: &[&str], each: &mut dyn FnMut(usize, &'a [u8])) {
        for (k, v) in self {
            if let Some(i) = names.iter().position(|n| is_named(k.as_ref().as_bytes(), n.as_bytes())) {
                each(i, v.as_ref());
            }
        }
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, const N: usize> Headers for [(K, V); N] {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        self.as_slice().each_value(name, each)
    }
    fn each_value_of<'a>(&'a self, names: &[&str], each: &mut dyn FnMut(usize, &'a [u8])) {
        self.as_slice().each_value_of(names, each)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Headers for Vec<(K, V)> {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        self.as_slice().each_value(name, each)
    }
    #[inline]
    fn each_value_of<'a>(&'a self, names: &[&str], each: &mut dyn FnMut(usize, &'a [u8])) {
        self.as_slice().each_value_of(names, each)
    }
}

impl<H: Headers + ?Sized> Headers for &H {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        (**self).each_value(name, each)
    }
    fn each_value_of<'a>(&'a self, names: &[&str], each: &mut dyn FnMut(usize, &'a [u8])) {
        (**self).each_value_of(names, each)
    }
}

/// Whether header name `name` (any case) is `lowercase` (a name as [`Headers`] is asked for it),
/// as `name.eq_ignore_ascii_case(lowercase)`. `std` compares byte by byte below 16 bytes, which
/// for names of 8 to 15 bytes (`webhook-id`, `svix-timestamp`, `svix-signature`) took ~400
/// instructions of a 1 KiB Svix check (callgrind), and lowers both sides in vector-wide chunks
/// from the front above it; up to 24 bytes, two or three eight-byte words of `name` made
/// lowercase do it in a few, the last word first, where one provider's names differ
/// (`x-primebot-signature`, `x-primebot-timestamp`).
#[inline(always)]
fn is_named(name: &[u8], lowercase: &[u8]) -> bool {
    debug_assert!(!lowercase.iter().any(u8::is_ascii_uppercase), "{lowercase:?}");
    match name.len() {
        n if n != lowercase.len() => false,
        8..=24 => words_equal(name, lowercase, lower_word),
        _ => name.eq_ignore_ascii_case(lowercase),
    }
}

/// `a == b` for header names of up to 24 bytes by words instead of calling `memcmp`, whose call
/// cost more than the comparison on these short names; longer ones use `==`.
#[inline(always)]
fn same_name(a: &[u8], b: &[u8]) -> bool {
    match a.len() {
        n if n != b.len() => false,
        8..=24 => words_equal(a, b, |w| w),
        _ => a == b,
    }
}

/// `fold(a) == b` for two slices of the same length, 8 to 24 bytes, compared as eight-byte words
/// (`a`'s after `fold`): the last (overlapping the others unless the length is 16 or 24), the
/// first and, above 16 bytes, the middle one.
#[inline(always)]
fn words_equal(a: &[u8], b: &[u8], fold: impl Fn(u64) -> u64) -> bool {
    let n = a.len();
    debug_assert!(n == b.len() && (8..=24).contains(&n));
    let same = |at: usize| fold(word_at(a, at)) == word_at(b, at);
    same(n - 8) && same(0) && (n <= 16 || same(8))
}

/// Each ASCII capital letter of the eight bytes of `x` made lowercase; every other byte unchanged.
fn lower_word(x: u64) -> u64 {
    // Per byte, without carries between bytes (each sum stays below 0x100): the high bit of
    // `ge_a` is set when the low seven bits are at least b'A', that of `gt_z` when they are above
    // b'Z'; `!x` keeps only bytes below 0x80. A capital's flag (0x80) shifted to 0x20 lowers it.
    let low7 = x & (0x7f * ONES);
    let ge_a = low7 + (0x80 - u64::from(b'A')) * ONES;
    let gt_z = low7 + (0x80 - u64::from(b'Z') - 1) * ONES;
    x | ((ge_a & !gt_z & !x & (0x80 * ONES)) >> 2)
}

/// Up to this many header values, [`header_values`] finds headers by comparing names in one pass
/// over the map rather than by the map's hashed lookup: a lookup by `&str` parses and hashes the
/// name every time, which costs more than comparing the handful of names a webhook request
/// carries (`BENCHMARKS.md`). Beyond it, hashing wins.
pub const SCAN_HEADERS_AT_MOST: usize = 24;

/// For adapters' [`Headers`] implementations: calls `each(i, value)` with every value of every
/// header `names[i]` (lowercase), the values of one header in order. `len` is the map's number
/// of values; `pairs` lists them as (lowercase name, value); `hashed` is the map's own lookup of
/// one name. The core decides which to use ([`SCAN_HEADERS_AT_MOST`]); the adapter only
/// translates its map.
///
/// ```
/// let map = [("x-a", &b"1"[..]), ("x-b", &b"2"[..]), ("x-a", &b"3"[..])];
/// let mut seen = Vec::new();
/// let pairs = || map.iter().copied();
/// // The map's hashed lookup of one name; not asked for a map this small.
/// let hashed = |_: &str| std::iter::empty::<&[u8]>();
/// hookgate_core::header_values(map.len(), pairs, hashed, &["x-b", "x-a"], &mut |i, v| seen.push((i, v)));
/// assert_eq!(seen, [(1, &b"1"[..]), (0, &b"2"[..]), (1, &b"3"[..])]);
/// ```
pub fn header_values<'a, P, H>(
    len: usize,
    pairs: impl FnOnce() -> P,
    mut hashed: impl FnMut(&str) -> H,
    names: &[&str],
    each: &mut dyn FnMut(usize, &'a [u8]),
) where
    P: Iterator<Item = (&'a str, &'a [u8])>,
    H: Iterator<Item = &'a [u8]>,
{
    if len <= SCAN_HEADERS_AT_MOST {
        for (k, v) in pairs() {
            if let Some(i) = names.iter().position(|n| same_name(n.as_bytes(), k.as_bytes())) {
                each(i, v);
            }
        }
    } else {
        for (i, name) in names.iter().enumerate() {
            for v in hashed(name) {
                each(i, v);
            }
        }
    }
}

/// The most headers [`read`] takes at once (signature, id, timestamp, event type).
pub(crate) const MAX_READ: usize = 4;

/// What one pass saw of one header: its first value, and whether a different one followed.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Seen<'a> {
    first: Option<&'a [u8]>,
    conflict: bool,
}

/// Reads the headers `names` (at most [`MAX_READ`], all different) in one pass; slot `i` is
/// `names[i]`.
pub(crate) fn read<'a, H: Headers + ?Sized>(headers: &'a H, names: &[&str]) -> [Seen<'a>; MAX_READ] {
    debug_assert!(names.len() <= MAX_READ);
    let mut seen = [Seen::default(); MAX_READ];
    headers.each_value_of(&names[..names.len().min(MAX_READ)], &mut |i, v| {
        let s = &mut seen[i];
        match s.first {
            None => s.first = Some(v),
            Some(f) if f != v => s.conflict = true,
            Some(_) => {}
        }
    });
    seen
}

impl<'a> Seen<'a> {
    /// The header's first value, unchecked (for log lines about a refused request).
    pub(crate) fn first(self) -> Option<&'a [u8]> {
        self.first
    }

    /// The one value of header `name`, `None` when absent.
    ///
    /// A header sent several times with different values is ambiguous and refused (400); the
    /// same value repeated is accepted. Values over [`MAX_HEADER_VALUE_LEN`] are refused (400).
    #[inline]
    pub(crate) fn single(self, name: &str) -> Result<Option<&'a [u8]>, VerifyError> {
        if self.conflict {
            return Err(VerifyError::new(VerifyErrorKind::AmbiguousHeader).header(name));
        }
        match self.first {
            Some(v) if v.len() > MAX_HEADER_VALUE_LEN => Err(VerifyError::new(VerifyErrorKind::MalformedHeader)
                .header(name)
                .detail(format!("value of {} bytes exceeds the {MAX_HEADER_VALUE_LEN}-byte limit", v.len()))),
            other => Ok(other),
        }
    }

    /// Like [`Seen::single`], as UTF-8 text with surrounding whitespace trimmed.
    pub(crate) fn text(self, name: &str) -> Result<Option<&'a str>, VerifyError> {
        match self.single(name)? {
            None => Ok(None),
            // HTTP trims only spaces and tabs around a value; ASCII trimming keeps that, and is
            // cheaper than Unicode trimming of the text.
            Some(v) => std::str::from_utf8(v.trim_ascii()).map(Some).map_err(|_| not_utf8(name)),
        }
    }

    /// Like [`Seen::text`], as bytes: the UTF-8 check is the cheaper ASCII test first (a full
    /// validation only for non-ASCII values).
    #[inline]
    pub(crate) fn text_bytes(self, name: &str) -> Result<Option<&'a [u8]>, VerifyError> {
        // The common case inline: one value, not too long, ASCII; the rest out of line.
        match self.first {
            None if !self.conflict => Ok(None),
            Some(v) if !self.conflict && v.len() <= MAX_HEADER_VALUE_LEN && is_ascii(v) => Ok(Some(v.trim_ascii())),
            _ => self.text_bytes_rare(name),
        }
    }

    #[cold]
    #[inline(never)]
    fn text_bytes_rare(self, name: &str) -> Result<Option<&'a [u8]>, VerifyError> {
        match self.single(name)? {
            Some(v) if std::str::from_utf8(v).is_err() => Err(not_utf8(name)),
            v => Ok(v.map(<[u8]>::trim_ascii)),
        }
    }
}

/// `b.is_ascii()`, for header values: every eight-byte word OR-ed together (the last one
/// overlapping), one test at the end. On the ids, timestamps and signatures of the presets (10 to
/// 80 bytes) this took ~50 instructions less per check than `std`'s version (callgrind).
#[inline]
fn is_ascii(b: &[u8]) -> bool {
    let n = b.len();
    if n < 8 {
        return b.iter().fold(0u8, |acc, &c| acc | c) < 0x80;
    }
    let mut acc = word_at(b, n - 8);
    let mut at = 0;
    while at + 8 < n {
        acc |= word_at(b, at);
        at += 8;
    }
    acc & (0x80 * ONES) == 0
}

fn not_utf8(name: &str) -> VerifyError {
    VerifyError::new(VerifyErrorKind::MalformedHeader).header(name).detail("value is not valid UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one<'a, H: Headers + ?Sized>(h: &'a H, name: &str) -> Seen<'a> {
        read(h, &[name])[0]
    }

    #[test]
    fn case_insensitive_and_repeated_same_value() {
        let h = [("X-A", "1"), ("x-a", "1")];
        assert_eq!(one(&h[..], "x-a").single("x-a").unwrap(), Some(&b"1"[..]));
    }

    #[test]
    fn conflicting_values_are_ambiguous() {
        let h = [("x-a", "1"), ("X-A", "2")];
        let err = one(&h[..], "x-a").single("x-a").unwrap_err();
        assert_eq!(err.kind(), VerifyErrorKind::AmbiguousHeader);
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn absurd_length_is_malformed() {
        let long = "a".repeat(MAX_HEADER_VALUE_LEN + 1);
        let h = [("x-a", long.as_str())];
        assert_eq!(one(&h[..], "x-a").single("x-a").unwrap_err().kind(), VerifyErrorKind::MalformedHeader);
    }

    #[test]
    fn non_utf8_is_malformed() {
        let h: [(&str, &[u8]); 1] = [("x-a", &[0xff, 0xfe])];
        assert_eq!(one(&h[..], "x-a").text("x-a").unwrap_err().kind(), VerifyErrorKind::MalformedHeader);
        assert_eq!(one(&h[..], "x-a").text_bytes("x-a").unwrap_err().kind(), VerifyErrorKind::MalformedHeader);
    }

    #[test]
    fn text_accepts_utf8_and_trims() {
        let h: [(&str, &[u8]); 2] = [("x-a", b" t=1,v1=ab\t"), ("x-b", "\u{e9}t\u{e9} ".as_bytes())];
        let [a, b, c, _] = read(&h[..], &["x-a", "x-b", "x-c"]);
        assert_eq!(a.text_bytes("x-a").unwrap(), Some(&b"t=1,v1=ab"[..]));
        assert_eq!(b.text_bytes("x-b").unwrap(), Some("\u{e9}t\u{e9}".as_bytes()));
        assert_eq!(b.text("x-b").unwrap(), Some("\u{e9}t\u{e9}"));
        assert_eq!(c.text_bytes("x-c").unwrap(), None);
    }

    /// Every byte value in every position of names of 1 to 26 bytes, against `std`, on a
    /// background of letters (either case) and of the bytes next to the letter ranges; the name
    /// asked for is lowercase, as [`Headers`] asks.
    #[test]
    fn is_named_matches_std() {
        let check = |name: &[u8], lowercase: &[u8]| {
            assert_eq!(is_named(name, lowercase), name.eq_ignore_ascii_case(lowercase), "{name:?} {lowercase:?}");
        };
        for len in 1..=26usize {
            for background in [b"x-Hub-Signature-256-ABCZ-Q".to_vec(), b"@[`{AZaz@[`{AZaz@[`{AZaz@[".to_vec()] {
                let base = &background[..len];
                let lower = base.to_ascii_lowercase();
                check(base, &lower);
                for pos in 0..len {
                    for byte in 0..=255u8 {
                        let mut name = base.to_vec();
                        name[pos] = byte;
                        check(&name, &lower);
                        check(&lower, &name.to_ascii_lowercase());
                    }
                }
            }
        }
        check(b"abc", b"abcd");
        check(b"", b"");
    }

    #[test]
    fn same_name_matches_eq() {
        for len in 0..=40usize {
            let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same_name(&base, &base));
            assert!(!same_name(&base, &[base.as_slice(), b"x"].concat()));
            for pos in 0..len {
                for byte in [0u8, b'A', base[pos] ^ 1, base[pos] ^ 0x80, 0xff] {
                    let mut other = base.clone();
                    other[pos] = byte;
                    assert_eq!(same_name(&base, &other), base == other, "{len} {pos} {byte}");
                }
            }
        }
    }

    #[test]
    fn is_ascii_matches_std() {
        for len in 0..=40usize {
            let base = vec![b'a'; len];
            assert!(is_ascii(&base));
            for pos in 0..len {
                for byte in 0..=255u8 {
                    let mut v = base.clone();
                    v[pos] = byte;
                    assert_eq!(is_ascii(&v), v.is_ascii(), "{len} {pos} {byte}");
                }
            }
        }
    }

    #[test]
    fn lower_word_lowers_only_capitals() {
        for byte in 0..=255u8 {
            let x = u64::from_le_bytes([byte, b'A', b'z', 0x80 | b'A', b'Z', b'@', b'[', byte]);
            let want = u64::from_le_bytes(
                [byte, b'A', b'z', 0x80 | b'A', b'Z', b'@', b'[', byte].map(|b| b.to_ascii_lowercase()),
            );
            assert_eq!(lower_word(x), want, "{byte}");
        }
    }

    /// A map that only answers one name at a time, as a third-party implementation might.
    struct OneAtATime(Vec<(&'static str, &'static str)>);
    impl Headers for OneAtATime {
        fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
            self.0.as_slice().each_value(name, each)
        }
    }

    #[test]
    fn one_pass_and_per_name_reads_agree() {
        let pairs = vec![("x-b", "2"), ("X-A", "1"), ("x-c", "3"), ("x-a", "1"), ("x-b", "9")];
        let names = ["x-a", "x-b", "x-d"];
        let by_pass = read(&pairs[..], &names);
        let one_at_a_time = OneAtATime(pairs.clone());
        let by_name = read(&one_at_a_time, &names);
        for (i, name) in names.iter().enumerate() {
            let (p, n) = (by_pass[i].single(name), by_name[i].single(name));
            assert_eq!(p.as_ref().ok(), n.as_ref().ok(), "{name}");
            assert_eq!(p.err().map(|e| e.kind()), n.err().map(|e| e.kind()), "{name}");
        }
        assert_eq!(by_pass[0].single("x-a").unwrap(), Some(&b"1"[..]));
        assert_eq!(by_pass[1].single("x-b").unwrap_err().kind(), VerifyErrorKind::AmbiguousHeader);
        assert_eq!(by_pass[2].single("x-d").unwrap(), None);
    }

    #[test]
    fn header_values_scans_or_hashes_alike() {
        let mut map: Vec<(String, Vec<u8>)> =
            (0..SCAN_HEADERS_AT_MOST + 5).map(|i| (format!("x-{i}"), vec![b'v'])).collect();
        map.push(("x-3".into(), b"w".to_vec()));
        let names = ["x-3", "x-7", "x-none"];
        let run = |len: usize| {
            let mut seen = Vec::new();
            let pairs = || map.iter().map(|(k, v)| (k.as_str(), v.as_slice()));
            let hashed = |n: &str| {
                let n = n.to_string();
                map.iter().filter(move |(k, _)| *k == n).map(|(_, v)| v.as_slice())
            };
            header_values(len, pairs, hashed, &names, &mut |i, v| seen.push((i, v.to_vec())));
            seen.sort();
            seen
        };
        let want = vec![(0, b"v".to_vec()), (0, b"w".to_vec()), (1, b"v".to_vec())];
        assert_eq!(run(map.len().min(SCAN_HEADERS_AT_MOST)), want);
        assert_eq!(run(map.len()), want);
    }
}
