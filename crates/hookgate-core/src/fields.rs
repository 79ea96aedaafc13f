//! Reading a few fields (`id`, `type`, `data.eventId`, ...) out of a JSON body in one pass,
//! without building a tree and stopping as soon as every wanted field is found.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A dotted path into a JSON object, e.g. `data.eventId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath(Box<[Box<str>]>);

impl FieldPath {
    /// Parses `a.b.c`; empty segments are not allowed.
    ///
    /// ```
    /// use hookgate_core::FieldPath;
    /// assert!(FieldPath::parse("data.eventId").is_some());
    /// assert!(FieldPath::parse("data..x").is_none());
    /// ```
    pub fn parse(dotted: &str) -> Option<Self> {
        let segs: Vec<Box<str>> = dotted.split('.').map(Box::from).collect();
        if segs.iter().any(|s| s.is_empty()) || segs.len() > 8 {
            return None;
        }
        Some(Self(segs.into_boxed_slice()))
    }

    fn segments(&self) -> &[Box<str>] {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

/// The most paths one probe looks for (id + two event-type paths + timestamp).
pub(crate) const MAX_PATHS: usize = 4;

/// Finds the string or number at each path (numbers are rendered as text).
///
/// Returns all `None` when the body is not a JSON object. Duplicate keys: the first wins.
pub(crate) fn probe(body: &[u8], paths: &[FieldPath]) -> [Option<String>; MAX_PATHS] {
    let mut p = Probe { paths, found: Default::default(), remaining: paths.len().min(MAX_PATHS) };
    if p.remaining == 0 || !looks_like_object(body) {
        return p.found;
    }
    let mask = (1u8 << p.remaining) - 1;
    let mut de = serde_json::Deserializer::from_slice(body);
    let res = Node { probe: &mut p, depth: 0, mask }.deserialize(&mut de);
    match res {
        Ok(()) => {
            if de.end().is_err() {
                return Default::default();
            }
        }
        // An early stop once everything was found is the fast path, not a failure.
        Err(_) if p.remaining == 0 => {}
        Err(_) => return Default::default(),
    }
    p.found
}

fn looks_like_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

struct Probe<'p> {
    paths: &'p [FieldPath],
    found: [Option<String>; MAX_PATHS],
    remaining: usize,
}

impl Probe<'_> {
    fn capture(&mut self, depth: usize, mask: u8, value: impl FnOnce() -> String) {
        let mut make = Some(value);
        let mut rendered: Option<String> = None;
        for i in 0..self.paths.len().min(MAX_PATHS) {
            if mask & (1 << i) != 0 && self.paths[i].segments().len() == depth && self.found[i].is_none() {
                let v = rendered.get_or_insert_with(|| make.take().map(|f| f()).unwrap_or_default());
                self.found[i] = Some(v.clone());
                self.remaining -= 1;
            }
        }
    }
}

const DONE: &str = "hookgate: all fields found";

struct Node<'a, 'p> {
    probe: &'a mut Probe<'p>,
    depth: usize,
    mask: u8,
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
        loop {
            let child = if mask == 0 {
                map.next_key::<IgnoredAny>()?.map(|_| 0)
            } else {
                map.next_key_seed(Key { paths: probe.paths, depth, mask })?
            };
            let Some(child) = child else { break };
            if child == 0 {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(Node { probe: &mut *probe, depth: depth + 1, mask: child })?;
                if probe.remaining == 0 {
                    return Err(de::Error::custom(DONE));
                }
            }
        }
        Ok(())
    }
}

/// Compares a key with the wanted paths' segment at `depth`; yields the mask of paths it continues.
struct Key<'p> {
    paths: &'p [FieldPath],
    depth: usize,
    mask: u8,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = u8;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u8, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = u8;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<u8, E> {
        let mut out = 0u8;
        for (i, p) in self.paths.iter().enumerate().take(MAX_PATHS) {
            if self.mask & (1 << i) != 0 && p.segments().get(self.depth).is_some_and(|s| **s == *key) {
                out |= 1 << i;
            }
        }
        Ok(out)
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
        let (a, b, c) = (p("id"), p("data.eventId"), p("n"));
        let body = br#"{"x":[1,{"id":"no"}],"data":{"eventId":"e\"1","z":true},"id":"evt_1","n":12}"#;
        let r = probe(body, &[a, b, c]);
        assert_eq!(r[0].as_deref(), Some("evt_1"));
        assert_eq!(r[1].as_deref(), Some("e\"1"));
        assert_eq!(r[2].as_deref(), Some("12"));
    }

    #[test]
    fn missing_and_not_json() {
        let a = p("event.type");
        assert_eq!(probe(br#"{"event":"x"}"#, std::slice::from_ref(&a))[0], None);
        assert_eq!(probe(b"token=abc&x=1", std::slice::from_ref(&a))[0], None);
        assert_eq!(probe(br#"{"event":{"type":"m"}"#, std::slice::from_ref(&a))[0].as_deref(), Some("m"));
        // invalid JSON before the field is found: nothing
        assert_eq!(probe(br#"{"x":tru, "event":{"type":"m"}}"#, std::slice::from_ref(&a))[0], None);
        assert_eq!(probe(br#"{"event":{"type":"m"}} trailing"#, std::slice::from_ref(&a))[0].as_deref(), Some("m"));
    }

    #[test]
    fn first_duplicate_wins_and_same_path_twice() {
        let a = p("id");
        let r = probe(br#"{"id":"1","id":"2"}"#, &[a.clone(), a]);
        assert_eq!(r[0].as_deref(), Some("1"));
        assert_eq!(r[1].as_deref(), Some("1"));
    }
}
