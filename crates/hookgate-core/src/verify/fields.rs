//! Reading a few fields (`id`, `type`, `data.eventId`, ...) out of a JSON body with `serde_json`,
//! visiting only the keys on the way to them and stopping once every one is found.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A dotted path into a JSON object, e.g. `data.eventId`.
///
/// ```
/// use hookgate_core::FieldPath;
/// assert_eq!(FieldPath::parse("data.eventId").unwrap().to_string(), "data.eventId");
/// assert!(FieldPath::parse("data..x").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath(Box<[Box<str>]>);

impl FieldPath {
    /// Parses `a.b.c`: one to eight non-empty segments.
    pub fn parse(dotted: &str) -> Option<Self> {
        let segments: Vec<Box<str>> = dotted.split('.').map(Box::from).collect();
        if segments.iter().any(|s| s.is_empty()) || segments.len() > 8 {
            return None;
        }
        Some(Self(segments.into_boxed_slice()))
    }

    fn segment(&self, depth: usize) -> Option<&str> {
        self.0.get(depth).map(|s| &**s)
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

/// The most paths one probe looks for.
pub(crate) const MAX_PATHS: usize = 8;

/// One path's value: a string, or a number rendered as text.
pub(crate) type Found = Option<Arc<str>>;

/// Finds the string or number at each of `paths` (at most [`MAX_PATHS`]). A body that is not a
/// JSON object, or is invalid before every path is found, yields nothing. Of duplicate keys, the
/// first wins.
pub(crate) fn probe(body: &[u8], paths: &[FieldPath]) -> [Found; MAX_PATHS] {
    let paths = &paths[..paths.len().min(MAX_PATHS)];
    let mut state = Probe { paths, found: Default::default(), remaining: paths.len() };
    if paths.is_empty() || body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return state.found;
    }
    let all = (1u16 << paths.len()) - 1;
    let mut de = serde_json::Deserializer::from_slice(body);
    match (Node { probe: &mut state, depth: 0, mask: all }).deserialize(&mut de) {
        Ok(()) if de.end().is_ok() => state.found,
        // Stopping early once everything was found is how a probe ends, not a failure.
        Err(_) if state.remaining == 0 => state.found,
        _ => Default::default(),
    }
}

struct Probe<'p> {
    paths: &'p [FieldPath],
    found: [Found; MAX_PATHS],
    remaining: usize,
}

impl Probe<'_> {
    /// Records `value` for every path in `mask` that ends at `depth` and has no value yet.
    fn capture(&mut self, depth: usize, mask: u16, value: impl FnOnce() -> String) {
        let mut value = Some(value);
        let mut shared: Option<Arc<str>> = None;
        for (i, path) in self.paths.iter().enumerate() {
            if mask & (1 << i) != 0 && path.len() == depth && self.found[i].is_none() {
                let v = shared.get_or_insert_with(|| value.take().map(|f| f()).unwrap_or_default().into());
                self.found[i] = Some(Arc::clone(v));
                self.remaining -= 1;
            }
        }
    }
}

/// One JSON value at `depth`, on the way to the paths in `mask`.
struct Node<'a, 'p> {
    probe: &'a mut Probe<'p>,
    depth: usize,
    mask: u16,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.probe.capture(self.depth, self.mask, || v.to_owned());
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.probe.capture(self.depth, self.mask, || v.to_string());
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.probe.capture(self.depth, self.mask, || v.to_string());
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.probe.capture(self.depth, self.mask, || v.to_string());
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Node { probe, depth, mask } = self;
        while let Some(child) = map.next_key_seed(Key { paths: probe.paths, depth, mask })? {
            if child == 0 {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            map.next_value_seed(Node { probe: &mut *probe, depth: depth + 1, mask: child })?;
            if probe.remaining == 0 {
                return Err(de::Error::custom("every field found"));
            }
        }
        Ok(())
    }
}

/// An object key at `depth`: yields the mask of the paths in `mask` it continues.
struct Key<'p> {
    paths: &'p [FieldPath],
    depth: usize,
    mask: u16,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = u16;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u16, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = u16;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<u16, E> {
        let continues = |(i, p): (usize, &FieldPath)| self.mask & (1 << i) != 0 && p.segment(self.depth) == Some(key);
        Ok(self.paths.iter().enumerate().filter(|&ip| continues(ip)).fold(0, |m, (i, _)| m | 1 << i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> FieldPath {
        FieldPath::parse(s).unwrap()
    }

    #[test]
    fn finds_nested_and_top_level() {
        let body = br#"{"x":[1,{"id":"no"}],"data":{"eventId":"e\"1","z":true},"id":"evt_1","n":12}"#;
        let r = probe(body, &[p("id"), p("data.eventId"), p("n")]);
        assert_eq!(r[0].as_deref(), Some("evt_1"));
        assert_eq!(r[1].as_deref(), Some("e\"1"));
        assert_eq!(r[2].as_deref(), Some("12"));
    }

    #[test]
    fn missing_and_not_json() {
        let a = [p("event.type")];
        assert_eq!(probe(br#"{"event":"x"}"#, &a)[0], None);
        assert_eq!(probe(b"token=abc&x=1", &a)[0], None);
        assert_eq!(probe(br#"{"event":{"type":"m"}"#, &a)[0].as_deref(), Some("m"));
        // Invalid JSON before the field is found: nothing.
        assert_eq!(probe(br#"{"x":tru, "event":{"type":"m"}}"#, &a)[0], None);
        assert_eq!(probe(br#"{"event":{"type":"m"}} trailing"#, &a)[0].as_deref(), Some("m"));
        assert_eq!(probe(br#"{"other":1} trailing"#, &a)[0], None);
    }

    #[test]
    fn escapes_numbers_and_other_values() {
        let paths = [p("id"), p("type")];
        let r = probe(br#"{"x":"a\"b\u00e9\n","id":-42,"type":"caf\u00e9"}"#, &paths);
        assert_eq!((r[0].as_deref(), r[1].as_deref()), (Some("-42"), Some("caf\u{e9}")));
        let r = probe(br#"{"id":{"x":1},"type":null}"#, &paths);
        assert_eq!((r[0].as_deref(), r[1].as_deref()), (None, None));
    }

    #[test]
    fn first_duplicate_wins_and_same_path_twice() {
        let r = probe(br#"{"id":"1","id":"2"}"#, &[p("id"), p("id")]);
        assert_eq!(r[0].as_deref(), Some("1"));
        assert_eq!(r[1].as_deref(), Some("1"));
    }

    proptest::proptest! {
        /// Arbitrary bytes, and a valid body with one byte changed, never panic.
        #[test]
        fn never_panics(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            flip in (0usize..60, proptest::prelude::any::<u8>()),
        ) {
            let paths = [p("id"), p("data.eventId"), p("type")];
            probe(&body, &paths);
            let mut doc = br#"{"id":"evt_1","data":{"eventId":"e1","n":[1,2.5,null]},"type":"t"}"#.to_vec();
            doc[flip.0] = flip.1;
            probe(&doc, &paths);
        }
    }
}
