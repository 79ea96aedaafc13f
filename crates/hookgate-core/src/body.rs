//! Collecting a request body within the endpoint's limit, for the adapters.

use bytes::{Bytes, BytesMut};

/// A body's chunks gathered into one `Bytes`, refused as soon as they pass the limit (never
/// buffered beyond it). A body that arrives in one chunk (the usual case for a webhook: the
/// server hands over the bytes read with the head) is kept as is, without a copy; more chunks
/// are copied once into one buffer. Adapters feed it their framework's chunks. (A small
/// one-chunk body that becomes a quick-ack event is copied out then, so that the event does not
/// keep the connection's read buffer alive in the channel.)
///
/// ```
/// use bytes::Bytes;
/// use hookgate_core::BodyBuffer;
///
/// let mut body = BodyBuffer::new(8, None);
/// body.push(Bytes::from_static(b"abc")).unwrap();
/// body.push(Bytes::from_static(b"def")).unwrap();
/// assert!(body.push(Bytes::from_static(b"ghi")).is_err()); // 9 bytes > 8
///
/// let mut one = BodyBuffer::new(8, None);
/// one.push(Bytes::from_static(b"abc")).unwrap();
/// assert_eq!(one.finish(), "abc");
/// ```
#[derive(Debug)]
pub struct BodyBuffer {
    limit: usize,
    declared: Option<u64>,
    len: usize,
    first: Option<Bytes>,
    rest: Option<BytesMut>,
}

/// The body passed the limit (answer 413).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

impl BodyBuffer {
    /// A buffer for at most `limit` bytes; `declared` is the request's Content-Length, if any
    /// (it sizes the buffer when the body comes in several chunks).
    pub fn new(limit: usize, declared: Option<u64>) -> Self {
        Self { limit, declared, len: 0, first: None, rest: None }
    }

    /// Adds the next chunk, or refuses it when the body would pass the limit.
    pub fn push(&mut self, chunk: Bytes) -> Result<(), TooLarge> {
        self.len += chunk.len();
        if self.len > self.limit {
            return Err(TooLarge);
        }
        match (&self.first, &mut self.rest) {
            (None, _) => self.first = Some(chunk),
            (Some(f), None) => {
                let size = self.declared.map_or(self.len, |n| n as usize).clamp(self.len, self.limit);
                let mut buf = BytesMut::with_capacity(size);
                buf.extend_from_slice(f);
                buf.extend_from_slice(&chunk);
                self.rest = Some(buf);
            }
            (Some(_), Some(buf)) => buf.extend_from_slice(&chunk),
        }
        Ok(())
    }

    /// The whole body.
    pub fn finish(self) -> Bytes {
        match (self.rest, self.first) {
            (Some(buf), _) => buf.freeze(),
            (None, Some(first)) => first,
            (None, None) => Bytes::new(),
        }
    }
}
