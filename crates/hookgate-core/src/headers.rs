//! How the core reads request headers without knowing the HTTP framework.
//!
//! axum/hyper use `http` 1.x and actix-web has its own header map; each adapter implements
//! [`Headers`] on a thin borrowed wrapper, so no header is ever copied.

use crate::error::{VerifyError, VerifyErrorKind};

/// Header values longer than this are refused as malformed (400) before any decoding work.
///
/// The longest legitimate value hookgate reads is a Standard Webhooks signature list during a
/// key rotation (a few `v1,<base64>` entries of 47 bytes each); 4 KiB leaves ample room.
pub const MAX_HEADER_VALUE_LEN: usize = 4096;

/// Read access to a request's headers.
///
/// The core always asks for lowercase names; implementations match header names in any case
/// and call `each` once per value of the header, in order.
///
/// ```
/// use hookgate_core::Headers;
///
/// let headers = [("X-GitHub-Event", "push"), ("X-GitHub-Delivery", "72d3")];
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

/// The first value of header `name`, unchecked (for log lines about a refused request).
pub(crate) fn first<'a, H: Headers + ?Sized>(headers: &'a H, name: &str) -> Option<&'a [u8]> {
    let mut first = None;
    headers.each_value(name, &mut |v| {
        first.get_or_insert(v);
    });
    first
}

/// The one value of header `name` as UTF-8 text, trimmed; `None` when absent.
///
/// A header sent several times with different values is ambiguous and refused (400); the same
/// value repeated is accepted. Values over [`MAX_HEADER_VALUE_LEN`] bytes or not UTF-8 are
/// malformed (400).
pub(crate) fn single<'a, H: Headers + ?Sized>(headers: &'a H, name: &str) -> Result<Option<&'a str>, VerifyError> {
    let (mut first, mut conflict) = (None, false);
    headers.each_value(name, &mut |v| match first {
        None => first = Some(v),
        Some(f) => conflict |= f != v,
    });
    let malformed = |detail: String| VerifyError::new(VerifyErrorKind::MalformedHeader).header(name).detail(detail);
    match first {
        _ if conflict => Err(VerifyError::new(VerifyErrorKind::AmbiguousHeader).header(name)),
        None => Ok(None),
        Some(v) if v.len() > MAX_HEADER_VALUE_LEN => {
            Err(malformed(format!("value of {} bytes exceeds the {MAX_HEADER_VALUE_LEN}-byte limit", v.len())))
        }
        // HTTP trims only spaces and tabs around a value.
        Some(v) => {
            std::str::from_utf8(v.trim_ascii()).map(Some).map_err(|_| malformed("value is not valid UTF-8".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_and_repeated_same_value() {
        let h = [("X-A", "1"), ("x-a", "1")];
        assert_eq!(single(&h, "x-a").unwrap(), Some("1"));
    }

    #[test]
    fn conflicting_values_are_ambiguous() {
        let h = [("x-a", "1"), ("X-A", "2")];
        let err = single(&h, "x-a").unwrap_err();
        assert_eq!(err.kind(), VerifyErrorKind::AmbiguousHeader);
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn absurd_length_is_malformed() {
        let long = "a".repeat(MAX_HEADER_VALUE_LEN + 1);
        let h = [("x-a", long.as_str())];
        assert_eq!(single(&h, "x-a").unwrap_err().kind(), VerifyErrorKind::MalformedHeader);
    }

    #[test]
    fn non_utf8_is_malformed() {
        let h: [(&str, &[u8]); 1] = [("x-a", &[0xff, 0xfe])];
        assert_eq!(single(&h, "x-a").unwrap_err().kind(), VerifyErrorKind::MalformedHeader);
    }

    #[test]
    fn utf8_is_accepted_and_trimmed() {
        let h: [(&str, &[u8]); 2] = [("x-a", b" t=1,v1=ab\t"), ("x-b", "\u{e9}t\u{e9} ".as_bytes())];
        assert_eq!(single(&h, "x-a").unwrap(), Some("t=1,v1=ab"));
        assert_eq!(single(&h, "x-b").unwrap(), Some("\u{e9}t\u{e9}"));
        assert_eq!(single(&h, "x-c").unwrap(), None);
        assert_eq!(first(&h, "X-B".to_ascii_lowercase().as_str()), Some("\u{e9}t\u{e9} ".as_bytes()));
    }
}
