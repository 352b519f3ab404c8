//! The header names and fixed values of every response the core builds, in one place: the
//! quick reply's protocol headers, and the content types and `Allow` of the other answers.
//! Adapters whose framework has header types of its own (actix-web is on `http` 0.2) convert
//! [`RESPONSE_HEADER_NAMES`] and [`RESPONSE_HEADER_VALUES`] once instead of parsing them on
//! every response, and never spell them again.

use http::header::{ALLOW, CONTENT_TYPE, HeaderName, HeaderValue};

/// The header that makes Channel post the response body into the chat.
pub const QUICK_REPLY_HEADER: HeaderName = HeaderName::from_static("x-quick-reply");
/// The header naming the bot the quick reply is shown from.
pub const BOT_NAME_HEADER: HeaderName = HeaderName::from_static("x-bot-name");

/// `x-quick-reply`'s value.
pub(crate) const QUICK_REPLY_ON: HeaderValue = HeaderValue::from_static("true");
/// A quick reply's content type.
pub(crate) const JSON: HeaderValue = HeaderValue::from_static("application/json");
/// The content type of an acknowledgement or a refusal.
pub(crate) const PLAIN_TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
/// `Allow` on a 405: Channel delivers with `POST` only.
pub(crate) const POST_ONLY: HeaderValue = HeaderValue::from_static("POST");

/// Every header name a response of the core can carry.
pub const RESPONSE_HEADER_NAMES: [HeaderName; 4] =
    [CONTENT_TYPE, QUICK_REPLY_HEADER, BOT_NAME_HEADER, ALLOW];

/// Every fixed header value a response of the core can carry (a bot's name is not fixed).
pub const RESPONSE_HEADER_VALUES: [HeaderValue; 4] = [JSON, PLAIN_TEXT, QUICK_REPLY_ON, POST_ONLY];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QuickReply;
    use crate::adapter::Rejection;
    use crate::reply::acknowledgement;

    /// Every header of every kind of response is among the listed names, and every value
    /// but the bot's name among the listed values: an adapter's conversion table is complete.
    #[test]
    fn the_lists_cover_every_response() {
        let bot = crate::BotName::from_static("EchoBot");
        let responses = [
            QuickReply::new().bot_name(bot).text("hi").into_response(),
            acknowledgement(),
            Rejection::MethodNotAllowed.into_response(),
            Rejection::PayloadTooLarge { limit: 1 }.into_response(),
        ];
        for response in &responses {
            for (name, value) in response.headers() {
                assert!(RESPONSE_HEADER_NAMES.contains(name), "{name} not listed");
                if name != BOT_NAME_HEADER {
                    assert!(
                        RESPONSE_HEADER_VALUES.contains(value),
                        "{value:?} not listed"
                    );
                }
            }
        }
    }
}
