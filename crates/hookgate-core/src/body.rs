//! Collecting a request body within the endpoint's limit, for the adapters.

use bytes::{Bytes, BytesMut};

/// A body's chunks gathered into one `Bytes`, refused as soon as they pass the limit (never
/// buffered beyond it). A body that arrives in one chunk (the usual case for a webhook: the
/// server hands over the bytes read with the head) is kept as is, without a copy; more chunks
/// are copied once into one buffer, sized by the declared length.
#[derive(Debug)]
pub(crate) struct BodyBuffer {
    limit: usize,
    declared: Option<u64>,
    len: usize,
    first: Option<Bytes>,
    rest: Option<BytesMut>,
}

/// The body passed the limit (answer 413).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

impl BodyBuffer {
    /// A buffer for at most `limit` bytes; `declared` is the request's Content-Length, if any
    /// (it sizes the buffer when the body comes in several chunks).
    pub(crate) fn new(limit: usize, declared: Option<u64>) -> Self {
        Self { limit, declared, len: 0, first: None, rest: None }
    }

    /// Adds the next chunk, or refuses it when the body would pass the limit.
    pub(crate) fn push(&mut self, chunk: Bytes) -> Result<(), TooLarge> {
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
    pub(crate) fn finish(self) -> Bytes {
        match (self.rest, self.first) {
            (Some(buf), _) => buf.freeze(),
            (None, Some(first)) => first,
            (None, None) => Bytes::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_keeps_one_chunk_as_is() {
        let mut body = BodyBuffer::new(8, None);
        body.push(Bytes::from_static(b"abc")).unwrap();
        body.push(Bytes::from_static(b"def")).unwrap();
        assert!(body.push(Bytes::from_static(b"ghi")).is_err()); // 9 bytes > 8

        let one = Bytes::from_static(b"abc");
        let mut body = BodyBuffer::new(8, Some(3));
        body.push(one.clone()).unwrap();
        let whole = body.finish();
        assert_eq!((whole.as_ptr(), &whole[..]), (one.as_ptr(), &b"abc"[..]));

        let mut two = BodyBuffer::new(8, Some(6));
        two.push(Bytes::from_static(b"abc")).unwrap();
        two.push(Bytes::from_static(b"def")).unwrap();
        assert_eq!(two.finish(), "abcdef");
        assert_eq!(BodyBuffer::new(8, None).finish(), "");
    }
}
