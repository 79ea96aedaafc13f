//! Reading a webhook's timestamp.

/// Unix seconds: 1 to 15 ASCII digits (no sign, no spaces).
pub(crate) fn parse_unix(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 15 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Unix milliseconds: 1 to 18 ASCII digits, in whole seconds (rounded down).
pub(crate) fn parse_millis(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok().map(|ms| ms / 1000)
}

/// RFC 3339 text in UTC (`Z`), with or without fractional seconds.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    if text.len() > 40 {
        return None;
    }
    let at = humantime::parse_rfc3339_weak(text.strip_suffix('Z')?).ok()?;
    Some(crate::replay::unix_seconds(at))
}

/// A timestamp read from the body: Unix seconds, or RFC 3339 text.
pub(crate) fn parse_any_time(text: &str) -> Option<i64> {
    parse_unix(text).or_else(|| {
        let at = humantime::parse_rfc3339_weak(text.trim_end_matches('Z')).ok()?;
        Some(crate::replay::unix_seconds(at))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds() {
        assert_eq!(parse_unix("1614265330"), Some(1614265330));
        assert_eq!(parse_unix("999999999999999"), Some(999_999_999_999_999));
        assert_eq!(parse_unix("0"), Some(0));
        for bad in ["", "-1", "+1", "1e9", " 1", "9999999999999999", "12:", "/1", "1\u{e9}", "\u{ff}"] {
            assert_eq!(parse_unix(bad), None, "{bad}");
        }
    }

    #[test]
    fn millis_and_rfc3339() {
        assert_eq!(parse_millis("1767225600123"), Some(1767225600));
        assert_eq!(parse_millis("-1"), None);
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00.123456789Z"), Some(1767225600));
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00Z"), Some(1767225600));
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00"), None);
        assert_eq!(parse_rfc3339("1767225600"), None);
    }

    #[test]
    fn rfc3339_in_the_body() {
        assert_eq!(parse_any_time("2026-04-02T10:30:45.000Z"), Some(1775125845));
        assert_eq!(parse_any_time("1699123456"), Some(1699123456));
        assert_eq!(parse_any_time("yesterday"), None);
    }

    proptest::proptest! {
        #[test]
        fn parse_unix_matches_std(t in "[0-9/:+ -]{0,18}") {
            let expected = ((1..=15).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<i64>().unwrap());
            proptest::prop_assert_eq!(parse_unix(&t), expected);
        }
    }
}
