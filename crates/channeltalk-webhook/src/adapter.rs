//! What only adapter authors need: helpers that translate a framework's request into the
//! [`Receiver`](crate::Receiver)'s scalar inputs, and the conversions every adapter's reply
//! newtype shares. Bot authors never need this module.

/// Reads a `Content-Length` header value; `None` when absent or not a number (the body is
/// then still limited while it streams in).
///
/// ```
/// use channeltalk_webhook::adapter::declared_length;
///
/// assert_eq!(declared_length(Some(b"42")), Some(42));
/// assert_eq!(declared_length(Some(b"forty")), None);
/// ```
pub fn declared_length(header_value: Option<&[u8]>) -> Option<u64> {
    std::str::from_utf8(header_value?).ok()?.trim().parse().ok()
}

/// The declared body length of an `http` 1 request's headers ([`declared_length`] of its
/// `Content-Length`), for frameworks on `http` 1 (axum, hyper).
pub fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    declared_length(
        headers
            .get(http::header::CONTENT_LENGTH)
            .map(http::HeaderValue::as_bytes),
    )
}

/// Implements `From<Reply>`, `From<QuickReply>`, `From<Option<QuickReply>>` and `From<()>`
/// for an adapter's reply newtype (`struct WebhookReply(pub Reply)`), so that every adapter
/// accepts the same handler results without repeating the conversions:
/// `channeltalk_webhook::adapter::reply_conversions!(WebhookReply);`.
#[doc(inline)]
pub use crate::__reply_conversions as reply_conversions;

#[doc(hidden)]
#[macro_export]
macro_rules! __reply_conversions {
    ($newtype:ident) => {
        impl ::core::convert::From<$crate::Reply> for $newtype {
            fn from(reply: $crate::Reply) -> Self {
                $newtype(reply)
            }
        }
        impl ::core::convert::From<$crate::QuickReply> for $newtype {
            fn from(reply: $crate::QuickReply) -> Self {
                $newtype($crate::Reply::from(reply))
            }
        }
        impl ::core::convert::From<::core::option::Option<$crate::QuickReply>> for $newtype {
            fn from(reply: ::core::option::Option<$crate::QuickReply>) -> Self {
                $newtype($crate::Reply::from(reply))
            }
        }
        impl ::core::convert::From<()> for $newtype {
            fn from((): ()) -> Self {
                $newtype($crate::Reply::Ack)
            }
        }
    };
}
