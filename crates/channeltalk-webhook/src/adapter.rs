//! What adapter authors (and bots on the receiver's lower rungs) need: the body collector and
//! the answers of a delivery that is not handled (refused, or acknowledged without the
//! handler), the header and parameter names of the protocol, helpers that translate a
//! framework's request into the [`Receiver`](crate::Receiver)'s scalar inputs, and the
//! conversions every adapter's reply newtype shares. Bot authors using an adapter's mount never
//! need this module.

pub use crate::body::{BodyCollector, DEFAULT_BODY_LIMIT};
pub use crate::delivery::answer;
pub use crate::headers::{
    BOT_NAME_HEADER, QUICK_REPLY_HEADER, RESPONSE_HEADER_NAMES, RESPONSE_HEADER_VALUES,
};
pub use crate::rejection::{BodyError, Rejection, Skipped, Unhandled};
pub use crate::token::{TOKEN_PARAMETER, TokenError};

/// Reads a `Content-Length` header value; `None` when absent or not a number (the body is
/// then still limited while it streams in).
///
/// ```
/// use channeltalk_webhook::adapter::declared_length;
///
/// assert_eq!(declared_length(Some(b"42")), Some(42));
/// assert_eq!(declared_length(Some(b"forty")), None);
/// assert_eq!(declared_length(Some(b" +42 ")), Some(42));
/// ```
pub fn declared_length(header_value: Option<&[u8]>) -> Option<u64> {
    let value = header_value?;
    // The usual value, up to 19 plain digits (which cannot overflow), read directly.
    if (1..=19).contains(&value.len()) && value.iter().all(u8::is_ascii_digit) {
        return Some(
            value
                .iter()
                .fold(0, |length, &digit| length * 10 + u64::from(digit - b'0')),
        );
    }
    std::str::from_utf8(value).ok()?.trim().parse().ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn reads_lengths_as_the_standard_parser_does(value in "[0-9]{0,22}|[ +0-9a\\t\\u{a0}]{0,6}") {
            let standard = std::str::from_utf8(value.as_bytes()).ok().and_then(|text| text.trim().parse().ok());
            proptest::prop_assert_eq!(declared_length(Some(value.as_bytes())), standard);
        }
    }
}
