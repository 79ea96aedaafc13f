//! Reading a few fields (`id`, `type`, `data.eventId`, ...) out of a JSON body in one pass,
//! without building a tree and stopping as soon as every wanted field is found.

use std::fmt;
use std::sync::Arc;

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

/// One path's value, as the probes return it.
type Found = Option<Arc<str>>;

/// Finds the string or number at each path (numbers are rendered as text).
///
/// Returns all `None` when the body is not a JSON object. Duplicate keys: the first wins.
pub(crate) fn probe(body: &[u8], paths: &[FieldPath]) -> [Found; MAX_PATHS] {
    let n = paths.len().min(MAX_PATHS);
    if n == 0 {
        return Default::default();
    }
    // The scanner answers the common case (plain ASCII keys, strings, integers) without serde's
    // cost of stopping early (an error value with a formatted message and a line/column count);
    // anything else it hands to serde, which then decides exactly as before.
    if let Some(found) = Scan::new(body, &paths[..n]).run() {
        return found;
    }
    probe_serde(body, paths)
}

/// For the `json_probe` fuzz target: the scanner's answer (when it gives one) and serde's.
#[cfg(feature = "test-util")]
#[doc(hidden)]
pub fn probe_differential(body: &[u8], paths: &[FieldPath]) -> (Option<Vec<Found>>, Vec<Found>) {
    let n = paths.len().min(MAX_PATHS);
    let scanned = Scan::new(body, &paths[..n]).run().map(|f| f.to_vec());
    (scanned, probe_serde(body, paths).to_vec())
}

/// The reference implementation: serde_json, visiting only what the paths need.
pub(crate) fn probe_serde(body: &[u8], paths: &[FieldPath]) -> [Found; MAX_PATHS] {
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

/// Nesting deeper than this is left to serde (which has its own limit).
const SCAN_MAX_DEPTH: usize = 32;

/// A strict scanner for a subset of JSON: objects, arrays, `true`/`false`/`null`, numbers, and
/// strings of printable ASCII without escapes. It decides only when the answer is certain to be
/// serde's: every wanted field found (a plain string, or an integer serde renders as written)
/// inside valid JSON, or the whole document read and valid. Anything outside the subset (an
/// escape, a non-ASCII byte, a wanted fraction or exponent, odd whitespace, deep nesting, any
/// error) gives `None`: ask serde.
struct Scan<'b, 'p> {
    b: &'b [u8],
    i: usize,
    paths: &'p [FieldPath],
    found: [Found; MAX_PATHS],
    remaining: usize,
}

/// Whether `c` is printable ASCII (`0x20..=0x7e`).
const fn printable(c: u8) -> bool {
    c.wrapping_sub(0x20) < 0x5f
}

/// The bytes a plain string may hold: printable ASCII but `"` and `\\`.
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = printable(c as u8) && c != b'"' as usize && c != b'\\' as usize;
        c += 1;
    }
    t
};

/// A string's first bytes, up to this many, are read a byte at a time, the rest with `memchr`.
const SHORT_STR: usize = 16;

/// The length of the plain bytes `rest` starts with, when a `"` or a `\\` ends them; `None` when
/// another byte outside printable ASCII comes first, or nothing ends them. A string's first bytes
/// (a key, an id, an event type) are read a byte at a time; past them, `memchr` finds the end and
/// the bytes before it are checked printable without stopping early, which the compiler turns into
/// vector code.
fn plain_len(rest: &[u8]) -> Option<usize> {
    let head = rest.len().min(SHORT_STR);
    match rest[..head].iter().position(|&c| !PLAIN[usize::from(c)]) {
        Some(n) => matches!(rest[n], b'"' | b'\\').then_some(n),
        None => {
            memchr::memchr2(b'"', b'\\', &rest[head..]).map(|n| head + n).filter(|&n| all_printable(&rest[head..n]))
        }
    }
}

/// Whether every byte is [`printable`].
fn all_printable(text: &[u8]) -> bool {
    text.iter().fold(true, |ok, &c| ok & printable(c))
}

/// Why the scanner stopped before the end: everything found, or "ask serde".
enum Stop {
    Done,
    Unsure,
}

type Step = Result<(), Stop>;

impl<'b, 'p> Scan<'b, 'p> {
    fn new(b: &'b [u8], paths: &'p [FieldPath]) -> Self {
        Self { b, i: 0, paths, found: Default::default(), remaining: paths.len() }
    }

    fn run(mut self) -> Option<[Found; MAX_PATHS]> {
        self.ws();
        if self.peek() != Some(b'{') {
            return None;
        }
        let mask = (1u8 << self.paths.len()) - 1;
        match self.object(0, mask) {
            Err(Stop::Done) => Some(self.found),
            Err(Stop::Unsure) => None,
            Ok(()) => {
                self.ws();
                (self.i == self.b.len()).then_some(self.found)
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Step {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Stop::Unsure)
        }
    }

    /// A string of printable ASCII without escapes, after its opening quote; returns its bytes
    /// (valid UTF-8 by construction: only the captured ones are ever turned into text).
    fn plain_str(&mut self) -> Result<&'b [u8], Stop> {
        let start = self.i;
        let rest = &self.b[start..];
        match plain_len(rest) {
            Some(n) if rest[n] == b'"' => {
                self.i = start + n + 1;
                Ok(&rest[..n])
            }
            _ => Err(Stop::Unsure),
        }
    }

    /// A string that is skipped, not captured, after its opening quote: printable ASCII and
    /// JSON's escapes, all of which serde accepts in a string it ignores. Anything else (a
    /// control character, a non-ASCII byte, DEL, a bad escape, no end) is left to serde.
    fn skip_str(&mut self) -> Step {
        loop {
            let n = plain_len(&self.b[self.i..]).ok_or(Stop::Unsure)?;
            self.i += n + 1;
            if self.b[self.i - 1] == b'"' {
                return Ok(());
            }
            match self.peek() {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                Some(b'u')
                    if self.b.get(self.i + 1..self.i + 5).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                {
                    self.i += 5
                }
                _ => return Err(Stop::Unsure),
            }
        }
    }

    fn object(&mut self, depth: usize, mask: u8) -> Step {
        if depth >= SCAN_MAX_DEPTH {
            return Err(Stop::Unsure);
        }
        self.eat(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.eat(b'"')?;
            // serde reads a key as text only where a wanted path may continue, and skips it
            // elsewhere, escapes and all.
            let child = if mask == 0 {
                self.skip_str()?;
                0
            } else {
                let key = self.plain_str()?;
                self.key_mask(key, depth, mask)
            };
            self.eat(b':')?;
            self.ws();
            if child == 0 {
                self.skip(depth + 1)?;
            } else {
                match self.peek() {
                    Some(b'"') => {
                        self.i += 1;
                        let v = self.plain_str()?;
                        self.capture(depth + 1, child, v);
                    }
                    Some(b'{') => self.object(depth + 1, child)?,
                    Some(b'-' | b'0'..=b'9') => {
                        let v = self.plain_integer()?;
                        self.capture(depth + 1, child, v);
                    }
                    // Anything else: serde renders and decides.
                    _ => return Err(Stop::Unsure),
                }
                if self.remaining == 0 {
                    return Err(Stop::Done);
                }
            }
            if !self.more(b'}')? {
                return Ok(());
            }
        }
    }

    /// After a member or element: `,` (another follows) or `close` (the end), else unsure.
    fn more(&mut self, close: u8) -> Result<bool, Stop> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.i += 1;
                Ok(false)
            }
            _ => Err(Stop::Unsure),
        }
    }

    fn key_mask(&self, key: &[u8], depth: usize, mask: u8) -> u8 {
        let mut out = 0u8;
        for (i, p) in self.paths.iter().enumerate() {
            // Keys are short: a byte loop beats a call to `memcmp`.
            let same = |s: &str| s.len() == key.len() && s.bytes().zip(key).all(|(a, &b)| a == b);
            if mask & (1 << i) != 0 && p.segments().get(depth).is_some_and(|s| same(s)) {
                out |= 1 << i;
            }
        }
        out
    }

    fn capture(&mut self, depth: usize, mask: u8, v: &[u8]) {
        for i in 0..self.paths.len() {
            if mask & (1 << i) != 0 && self.paths[i].segments().len() == depth && self.found[i].is_none() {
                // Printable ASCII (checked by the caller), so this cannot fail.
                let Ok(text) = std::str::from_utf8(v) else { continue };
                self.found[i] = Some(Arc::from(text));
                self.remaining -= 1;
            }
        }
    }

    /// Skips one value (whitespace before it already skipped), checking it is valid.
    fn skip(&mut self, depth: usize) -> Step {
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                self.skip_str()
            }
            Some(b'{') => self.object(depth, 0),
            Some(b'[') => {
                if depth >= SCAN_MAX_DEPTH {
                    return Err(Stop::Unsure);
                }
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.ws();
                    self.skip(depth + 1)?;
                    if !self.more(b']')? {
                        return Ok(());
                    }
                }
            }
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(Stop::Unsure),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Step {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Stop::Unsure)
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Step {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Stop::Unsure),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digits_required()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digits_required()?;
        }
        // `01`, `1a`: not a number that ends here.
        match self.peek() {
            Some(c) if c.is_ascii_alphanumeric() || c == b'.' => Err(Stop::Unsure),
            _ => Ok(()),
        }
    }

    /// A wanted number that serde renders exactly as written: an integer of at most 18 digits
    /// (it fits `u64`/`i64`), not `-0`. Fractions, exponents and the rest: ask serde.
    fn plain_integer(&mut self) -> Result<&'b [u8], Stop> {
        let start = self.i;
        self.number()?;
        let text = &self.b[start..self.i];
        let digits = text.strip_prefix(b"-").unwrap_or(text);
        let plain = digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) && text != b"-0";
        if plain { Ok(text) } else { Err(Stop::Unsure) }
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    fn digits_required(&mut self) -> Step {
        let start = self.i;
        self.digits();
        if self.i == start { Err(Stop::Unsure) } else { Ok(()) }
    }
}

fn looks_like_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

struct Probe<'p> {
    paths: &'p [FieldPath],
    found: [Found; MAX_PATHS],
    remaining: usize,
}

impl Probe<'_> {
    fn capture(&mut self, depth: usize, mask: u8, value: impl FnOnce() -> String) {
        let mut make = Some(value);
        let mut rendered: Option<Arc<str>> = None;
        for i in 0..self.paths.len().min(MAX_PATHS) {
            if mask & (1 << i) != 0 && self.paths[i].segments().len() == depth && self.found[i].is_none() {
                let v = rendered.get_or_insert_with(|| Arc::from(make.take().map(|f| f()).unwrap_or_default()));
                self.found[i] = Some(Arc::clone(v));
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

    /// The scanner, when it answers, answers exactly as serde; and it answers the usual bodies.
    fn same_as_serde(body: &[u8], paths: &[FieldPath]) -> bool {
        let scanned = Scan::new(body, paths).run();
        if let Some(found) = &scanned {
            assert_eq!(found, &probe_serde(body, paths), "{}", String::from_utf8_lossy(body));
        }
        assert_eq!(probe(body, paths), probe_serde(body, paths));
        scanned.is_some()
    }

    #[test]
    fn scanner_agrees_with_serde_on_hand_cases() {
        let paths = [p("id"), p("type"), p("data.eventId")];
        let answered = [
            &br#"{"id":"evt_1","type":"invoice.paid","data":{"eventId":"e1"}}"#[..],
            br#" { "x" : [1, -0.5e+3, true, false, null, {"a":[]}, "s"], "id":"1","type":"t","data":{"eventId":"e"} } "#,
            br#"{"id":"1","type":"t"}"#,
            br#"{}"#,
            br#"{"id":"1","id":"2","type":"t"} "#,
            br#"{"data":{},"id":"","type":"t"}"#,
            br#"{"id":1700000000,"type":"t"}"#,
            br#"{"id":-42,"type":"t","data":{"eventId":0}}"#,
            // Escapes in strings and keys that are skipped, not captured.
            br#"{"x":"a\"b\\c\/d\u00e9\uD800\n\t\b\f\r","id":"1","type":"t","data":{"eventId":"e"}}"#,
            br#"{"x":{"k\"ey":["\u0041",{"\n":"\\"}]},"id":"1","type":"t","data":{"xy":1,"eventId":"e"}}"#,
        ];
        for b in answered {
            assert!(same_as_serde(b, &paths), "scanner should answer {}", String::from_utf8_lossy(b));
        }
        let either = [
            &br#"{"id":"e\"1","type":"t","data":{"eventId":"e"}}"#[..],
            br#"{"id":12.5,"type":"t","data":{"eventId":"e"}}"#,
            br#"{"id":-0,"type":"t","data":{"eventId":"e"}}"#,
            br#"{"id":1e3,"type":"t","data":{"eventId":"e"}}"#,
            br#"{"id":12345678901234567890,"type":"t","data":{"eventId":"e"}}"#,
            br#"{"id":-9223372036854775809,"type":"t","data":{"eventId":"e"}}"#,
            br#"{"id":"1","type":"t"} trailing"#,
            br#"{"id":"1","type":"t""#,
            br#"{"x":01,"id":"1"}"#,
            br#"{"x":1.,"id":"1"}"#,
            br#"{"x":-,"id":"1"}"#,
            br#"{"x":tru,"id":"1"}"#,
            br#"{"x":[1,],"id":"1"}"#,
            br#"{"x":1,}"#,
            br#"{"x":"a	b","id":"1","type":"t","data":{"eventId":"e"}}"#,
            "{\"x\":\"caf\u{e9}\",\"id\":\"1\"}".as_bytes(),
            b"\x0c{\"id\":\"1\"}",
            b"[1,2]",
            b"",
            br#"{"id":"1","type":"t","data":{"eventId":"e"}}}"#,
            br#"{"id":"1","type":"t","data":"e"}"#,
            br#"{"data":{"eventId":{"x":1}},"id":"1","type":"t"}"#,
            // Bad escapes, and escapes where a value is captured or a key is read as text.
            br#"{"x":"\x","id":"1","type":"t","data":{"eventId":"e"}}"#,
            br#"{"x":"\u12G4","id":"1","type":"t","data":{"eventId":"e"}}"#,
            br#"{"x":"\u12"}"#,
            br#"{"x":"ab\"#,
            br#"{"id":"a\nb","type":"t","data":{"eventId":"e"}}"#,
            br#"{"i\u0064":"1","type":"t","data":{"eventId":"e"}}"#,
            br#"{"data":{"event\u0049d":"e"},"id":"1","type":"t"}"#,
        ];
        for b in either {
            same_as_serde(b, &paths);
        }
        let deep = format!("{}{}", "{\"a\":".repeat(40), "1".to_owned() + &"}".repeat(40));
        same_as_serde(deep.as_bytes(), &paths);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn scanner_agrees_with_serde_on_generated_json(
            doc in json_text(),
            cut in proptest::option::of(0usize..400),
            flip in proptest::option::of((0usize..400, proptest::prelude::any::<u8>())),
        ) {
            let mut b = doc.into_bytes();
            if let Some((at, byte)) = flip && !b.is_empty() {
                let at = at % b.len();
                b[at] = byte;
            }
            if let Some(c) = cut {
                b.truncate(c.min(b.len()));
            }
            same_as_serde(&b, &[p("id"), p("type"), p("data.eventId")]);
            same_as_serde(&b, &[p("id"), p("type"), p("data.eventId"), p("data.n")]);
        }
    }

    fn json_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop_oneof![
            Just("id".to_owned()),
            Just("type".to_owned()),
            Just("data".to_owned()),
            Just("eventId".to_owned()),
            Just("n".to_owned()),
            Just("k\n\"/".to_owned()),
            "[a-z]{1,3}",
        ];
        let ws = prop_oneof![Just(""), Just(" "), Just("\n  "), Just("\t")];
        let leaf = prop_oneof![
            "[ -~&&[^\"\\\\]]{0,12}".prop_map(|s| format!("{s:?}")),
            "(\\\\[\"nt/bfr\\\\]|\\\\u[0-9a-fA-F]{4}|\\\\u[0-9a-g]{0,4}|\\\\[xa]|[a-z]|\u{e9}|\u{7f}){0,4}"
                .prop_map(|s| format!("\"{s}\"")),
            any::<i32>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            Just("-0".to_owned()),
            any::<f32>().prop_map(|f| f.to_string()),
            Just("1e5".to_owned()),
            Just("true".to_owned()),
            Just("null".to_owned()),
        ];
        let (top_key, top_ws) = (key.clone(), ws.clone());
        let plain = || "[a-z0-9_.]{0,8}".prop_map(|s| format!("{s:?}"));
        let nested = leaf.clone().prop_recursive(4, 48, 6, move |inner| {
            let (key, ws) = (key.clone(), ws.clone());
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(","))),
                proptest::collection::vec((key, ws, inner), 0..6).prop_map(|kv| {
                    let items: Vec<String> = kv.into_iter().map(|(k, w, v)| format!("{w}{k:?}{w}:{w}{v}")).collect();
                    format!("{{{}}}", items.join(","))
                }),
            ]
        });
        // The top level: mostly the wanted keys, so that "all found" is reached often.
        let top_key = prop_oneof![3 => Just("id".to_owned()), 3 => Just("type".to_owned()), 3 => Just("data".to_owned()), 1 => top_key];
        let data_like = (plain(), nested.clone(), top_ws.clone())
            .prop_map(|(e, other, w)| format!(r#"{{{w}"x":{other},{w}"eventId"{w}:{e}}}"#));
        let value = prop_oneof![4 => plain(), 2 => leaf, 2 => nested, 3 => data_like];
        proptest::collection::vec((top_key, top_ws, value), 0..7).prop_map(|kv| {
            let items: Vec<String> = kv.into_iter().map(|(k, w, v)| format!("{w}{k:?}{w}:{w}{v}")).collect();
            format!("{{{}}}", items.join(","))
        })
    }

    #[test]
    fn plain_strings_are_printable_ascii_up_to_the_quote() {
        // The definition: the string is plain when its first byte outside printable ASCII, or
        // `"`, or `\\`, is its closing `"`.
        let plain = |c: u8| (0x20..0x7f).contains(&c) && c != b'"' && c != b'\\';
        for len in 0..40 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut text = vec![b'a'; len];
                    text[at] = byte;
                    text.extend_from_slice(b"\"tail\"");
                    let end = text.iter().position(|&c| !plain(c)).expect("a quote ends it");
                    let want = (text[end] == b'"').then(|| &text[..end]);
                    let mut scan = Scan::new(&text, &[]);
                    assert_eq!(scan.plain_str().ok(), want, "byte {byte:#04x} at {at} of {len}");
                    if want.is_some() {
                        assert_eq!(scan.i, end + 1, "after the quote");
                    }
                }
            }
        }
        assert_eq!(Scan::new(b"no quote", &[]).plain_str().ok(), None);
    }

    #[test]
    fn first_duplicate_wins_and_same_path_twice() {
        let a = p("id");
        let r = probe(br#"{"id":"1","id":"2"}"#, &[a.clone(), a]);
        assert_eq!(r[0].as_deref(), Some("1"));
        assert_eq!(r[1].as_deref(), Some("1"));
    }
}
