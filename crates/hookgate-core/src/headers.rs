//! How the core reads request headers without knowing the HTTP framework.
//!
//! axum/hyper use `http` 1.x and actix-web has its own header map; each adapter implements
//! [`Headers`] on a thin borrowed wrapper, so no header is ever copied.

use crate::error::{VerifyError, VerifyErrorKind};

/// Header values longer than this are refused as malformed before any decoding work.
///
/// The longest legitimate value hookgate reads is a Standard Webhooks signature list during a
/// key rotation (a few `v1,<base64>` entries of 47 bytes each); 4 KiB leaves ample room.
pub const MAX_HEADER_VALUE_LEN: usize = 4096;

/// Read access to a request's headers.
///
/// `name` is always lowercase ASCII. Implementations call `each` once per value of that header,
/// in order, and never allocate.
///
/// ```
/// use hookgate_core::Headers;
///
/// let headers = [("X-GitHub-Event", "push")];
/// let mut seen = Vec::new();
/// headers.each_value("x-github-event", &mut |v| seen.push(v.to_vec()));
/// assert_eq!(seen, vec![b"push".to_vec()]);
/// ```
pub trait Headers {
    /// Calls `each` with every value of the header `name` (lowercase).
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8]));
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Headers for [(K, V)] {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        for (k, v) in self {
            if k.as_ref().eq_ignore_ascii_case(name) {
                each(v.as_ref());
            }
        }
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, const N: usize> Headers for [(K, V); N] {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        self.as_slice().each_value(name, each)
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Headers for Vec<(K, V)> {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        self.as_slice().each_value(name, each)
    }
}

impl<H: Headers + ?Sized> Headers for &H {
    fn each_value<'a>(&'a self, name: &str, each: &mut dyn FnMut(&'a [u8])) {
        (**self).each_value(name, each)
    }
}

/// Up to this many header values, [`header_values`] finds a header by comparing names rather than
/// by the map's hashed lookup: a lookup by `&str` parses and hashes the name every time, which
/// costs more than comparing the handful of names a webhook request carries (`BENCHMARKS.md`,
/// about 650 instructions per request saved). Beyond it, hashing wins.
pub const SCAN_HEADERS_AT_MOST: usize = 24;

/// For adapters' [`Headers`] implementations: calls `each` with every value of `name`
/// (lowercase), in order. `len` is the map's number of values; `pairs` lists them as
/// (lowercase name, value); `hashed` is the map's own lookup of `name`. The core decides which to
/// use ([`SCAN_HEADERS_AT_MOST`]); the adapter only translates its map.
///
/// ```
/// let map = [("x-a", &b"1"[..]), ("x-b", &b"2"[..]), ("x-a", &b"3"[..])];
/// let mut seen = Vec::new();
/// let pairs = || map.iter().copied();
/// let hashed = || map.iter().filter(|(k, _)| *k == "x-a").map(|(_, v)| *v);
/// hookgate_core::header_values(map.len(), pairs, hashed, "x-a", &mut |v| seen.push(v));
/// assert_eq!(seen, [b"1", b"3"]);
/// ```
pub fn header_values<'a, P, H>(
    len: usize,
    pairs: impl FnOnce() -> P,
    hashed: impl FnOnce() -> H,
    name: &str,
    each: &mut dyn FnMut(&'a [u8]),
) where
    P: Iterator<Item = (&'a str, &'a [u8])>,
    H: Iterator<Item = &'a [u8]>,
{
    if len <= SCAN_HEADERS_AT_MOST {
        for (k, v) in pairs() {
            if k == name {
                each(v);
            }
        }
    } else {
        for v in hashed() {
            each(v);
        }
    }
}

/// The one value of header `name`, `None` when absent.
///
/// A header sent several times with different values is ambiguous and refused (400); the same
/// value repeated is accepted. Values over [`MAX_HEADER_VALUE_LEN`] are refused (400).
pub(crate) fn single<'a, H: Headers + ?Sized>(headers: &'a H, name: &str) -> Result<Option<&'a [u8]>, VerifyError> {
    let mut first: Option<&'a [u8]> = None;
    let mut conflict = false;
    headers.each_value(name, &mut |v| match first {
        None => first = Some(v),
        Some(f) if f != v => conflict = true,
        Some(_) => {}
    });
    if conflict {
        return Err(VerifyError::new(VerifyErrorKind::AmbiguousHeader).header(name));
    }
    match first {
        Some(v) if v.len() > MAX_HEADER_VALUE_LEN => Err(VerifyError::new(VerifyErrorKind::MalformedHeader)
            .header(name)
            .detail(format!("value of {} bytes exceeds the {MAX_HEADER_VALUE_LEN}-byte limit", v.len()))),
        other => Ok(other),
    }
}

/// Like [`single`], as UTF-8 text with surrounding whitespace trimmed.
pub(crate) fn single_str<'a, H: Headers + ?Sized>(headers: &'a H, name: &str) -> Result<Option<&'a str>, VerifyError> {
    match single(headers, name)? {
        None => Ok(None),
        // HTTP trims only spaces and tabs around a value; ASCII trimming keeps that, and is cheaper
        // than Unicode trimming of the text.
        Some(v) => std::str::from_utf8(v.trim_ascii()).map(Some).map_err(|_| {
            VerifyError::new(VerifyErrorKind::MalformedHeader).header(name).detail("value is not valid UTF-8")
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_and_repeated_same_value() {
        let h = [("X-A", "1"), ("x-a", "1")];
        assert_eq!(single(&h[..], "x-a").unwrap(), Some(&b"1"[..]));
    }

    #[test]
    fn conflicting_values_are_ambiguous() {
        let h = [("x-a", "1"), ("X-A", "2")];
        let err = single(&h[..], "x-a").unwrap_err();
        assert_eq!(err.kind(), VerifyErrorKind::AmbiguousHeader);
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn absurd_length_is_malformed() {
        let long = "a".repeat(MAX_HEADER_VALUE_LEN + 1);
        let h = [("x-a", long.as_str())];
        assert_eq!(single(&h[..], "x-a").unwrap_err().kind(), VerifyErrorKind::MalformedHeader);
    }

    #[test]
    fn non_utf8_is_malformed() {
        let h: [(&str, &[u8]); 1] = [("x-a", &[0xff, 0xfe])];
        assert_eq!(single_str(&h[..], "x-a").unwrap_err().kind(), VerifyErrorKind::MalformedHeader);
    }
}
