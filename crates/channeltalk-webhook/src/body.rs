//! [`BodyCollector`]: reads a request body chunk by chunk and stops at the size limit, so an
//! oversized body is refused before it is buffered whole. [`BodyCollector::read`] is the one
//! body-reading loop of the SDK: every adapter hands its framework's body to it.

use std::pin::pin;

use bytes::{Buf, Bytes, BytesMut};
use http_body::Body;

use crate::delivery;
use crate::rejection::{BodyError, Rejection};

/// The default body limit: 1 MiB, far above any real delivery.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Collects a request body up to a limit. Get one from
/// [`Receiver::begin`](crate::Receiver::begin), which also checks the method, the token and
/// the `Content-Length`; then either [`push`](BodyCollector::push) the chunks your server
/// hands you, or give it the whole streaming body with [`read`](BodyCollector::read).
///
/// ```
/// use channeltalk_webhook::{Receiver, WebhookToken};
///
/// let receiver = Receiver::new(WebhookToken::new("t")?).body_limit(8);
/// let mut body = receiver.begin("POST", Some("token=t"), None)?; // no Content-Length
/// body.push("{}".into())?;
/// assert!(body.push(vec![b' '; 7].into()).is_err());       // 9 bytes > 8: refused (413)
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BodyCollector {
    limit: usize,
    len: usize,
    first: Option<Bytes>,
    rest: Option<BytesMut>,
}

impl BodyCollector {
    pub(crate) fn new(limit: usize, content_length: Option<u64>) -> Result<Self, Rejection> {
        if content_length.is_some_and(|length| length > limit as u64) {
            return Err(Rejection::PayloadTooLarge { limit });
        }
        Ok(BodyCollector {
            limit,
            len: 0,
            first: None,
            rest: None,
        })
    }

    /// Adds a chunk; refuses it (413) as soon as the total passes the limit (the delivery is
    /// then counted as `too_large`). A body that arrives as one chunk is kept without copying.
    pub fn push(&mut self, chunk: Bytes) -> Result<(), Rejection> {
        self.grow(chunk.len()).map_err(refused)?;
        match (&mut self.first, &mut self.rest) {
            (_, Some(rest)) => rest.extend_from_slice(&chunk),
            (None, None) => self.first = Some(chunk),
            (Some(first), None) => {
                let mut rest = BytesMut::with_capacity(self.len);
                rest.extend_from_slice(first);
                rest.extend_from_slice(&chunk);
                self.first = None;
                self.rest = Some(rest);
            }
        }
        Ok(())
    }

    /// Adds a chunk by copying it (for frameworks that lend their buffers).
    pub fn extend_from_slice(&mut self, chunk: &[u8]) -> Result<(), Rejection> {
        self.push(Bytes::copy_from_slice(chunk))
    }

    /// Reads a streaming body (hyper's `Incoming`, axum's `Body`, an adapter's wrapped stream)
    /// frame by frame to its end, refusing it (413) as soon as it passes the limit, and
    /// returns the whole body.
    pub async fn read<B>(mut self, body: B) -> Result<Bytes, Rejection>
    where
        B: Body,
        B::Error: Into<BodyError>,
    {
        let mut body = pin!(body);
        while let Some(frame) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
            let frame = frame.map_err(|error| refused(Rejection::unreadable(error)))?;
            if let Ok(mut data) = frame.into_data() {
                self.push(data.copy_to_bytes(data.remaining()))?;
            }
        }
        Ok(self.finish())
    }

    /// Bytes collected so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was collected yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole body.
    pub fn finish(self) -> Bytes {
        match (self.first, self.rest) {
            (_, Some(rest)) => rest.freeze(),
            (Some(first), None) => first,
            (None, None) => Bytes::new(),
        }
    }

    fn grow(&mut self, by: usize) -> Result<(), Rejection> {
        match self.len.checked_add(by) {
            Some(len) if len <= self.limit => {
                self.len = len;
                Ok(())
            }
            _ => Err(Rejection::PayloadTooLarge { limit: self.limit }),
        }
    }
}

/// Concludes a delivery whose body was refused while it was collected.
fn refused(rejection: Rejection) -> Rejection {
    delivery::unhandled(rejection.outcome(), &rejection, None);
    rejection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_declared_length_over_the_limit_before_reading() {
        assert!(BodyCollector::new(10, Some(11)).is_err());
        assert!(BodyCollector::new(10, Some(10)).is_ok());
    }

    #[test]
    fn keeps_a_single_chunk_without_copying_and_joins_several() {
        let chunk = Bytes::from_static(b"hello");
        let mut one = BodyCollector::new(10, None).unwrap();
        one.push(chunk.clone()).unwrap();
        let body = one.finish();
        assert_eq!(body.as_ptr(), chunk.as_ptr());

        let mut many = BodyCollector::new(10, None).unwrap();
        for part in ["he", "ll", "o"] {
            many.push(Bytes::from(part)).unwrap();
        }
        assert_eq!(many.len(), 5);
        assert_eq!(many.finish(), "hello");
    }

    #[test]
    fn refuses_the_chunk_that_passes_the_limit() {
        let mut body = BodyCollector::new(4, None).unwrap();
        body.extend_from_slice(b"1234").unwrap();
        assert!(matches!(
            body.extend_from_slice(b"5"),
            Err(Rejection::PayloadTooLarge { limit: 4 })
        ));
    }
}
