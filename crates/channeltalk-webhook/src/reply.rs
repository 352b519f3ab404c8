//! Answering a delivery: a [`QuickReply`] posted into the chat by Channel, or a plain
//! acknowledgement ([`Reply::Ack`]).
//!
//! A quick reply is the HTTP response to the delivery itself (see `docs/protocol.md`): status 200,
//! `Content-Type: application/json`, `x-quick-reply: true`, optionally `x-bot-name`, and a
//! body `{"blocks":[…]}`.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use serde::Serialize;

use crate::model::{Block, Button};
use crate::rich_text::RichText;

/// The header that makes Channel post the response body into the chat.
pub const QUICK_REPLY_HEADER: HeaderName = HeaderName::from_static("x-quick-reply");
/// The header naming the bot the quick reply is shown from.
pub const BOT_NAME_HEADER: HeaderName = HeaderName::from_static("x-bot-name");

/// A bot name that can travel in the `x-bot-name` header: any UTF-8 (Korean, Japanese, emoji)
/// without control characters, sent as raw UTF-8 bytes.
///
/// ```
/// use channeltalk_webhook::BotName;
///
/// assert!(BotName::new("상담봇").is_ok());
/// assert!(BotName::new("Echo\r\nSet-Cookie: x").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BotName(String);

/// A bot name that cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BotNameError {
    /// Empty or only white space.
    #[error("bot name is empty; leave it out to show the channel's name instead")]
    Empty,
    /// Holds CR, LF, TAB or another control character, which cannot travel in an HTTP header.
    #[error(
        "bot name contains the control character {character:?} at byte {position}; HTTP headers cannot carry it"
    )]
    ControlCharacter {
        /// The character.
        character: char,
        /// Its byte offset.
        position: usize,
    },
}

impl BotName {
    /// Checks and wraps a bot name.
    pub fn new(name: impl Into<String>) -> Result<Self, BotNameError> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(BotNameError::Empty);
        }
        if let Some((position, character)) = name.char_indices().find(|(_, c)| c.is_control()) {
            return Err(BotNameError::ControlCharacter {
                character,
                position,
            });
        }
        Ok(BotName(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn header_value(&self) -> Option<HeaderValue> {
        // Checked in `new`: no control characters, so every byte is a valid header byte.
        HeaderValue::from_bytes(self.0.as_bytes()).ok()
    }
}

impl TryFrom<&str> for BotName {
    type Error = BotNameError;
    fn try_from(name: &str) -> Result<Self, BotNameError> {
        BotName::new(name)
    }
}

/// A message posted by Channel from your HTTP response.
///
/// Text goes through [`RichText`]: a `&str` or `String` is escaped, so user text can never
/// inject links or mentions; build markup with [`RichText`] or pass [`RichText::raw`].
///
/// ```
/// use channeltalk_webhook::{QuickReply, rich_text::RichText};
///
/// let reply = QuickReply::new()
///     .bot_name("EchoBot")?
///     .text("echo: <b>not bold</b>")
///     .text(RichText::new().bold("really bold"))
///     .code(Some("rust"), "fn main() {}");
/// let response = reply.into_response();
/// assert_eq!(response.headers()["x-quick-reply"], "true");
/// assert_eq!(response.headers()["x-bot-name"], "EchoBot");
/// assert!(response.body().starts_with(br#"{"blocks":[{"type":"text","value":"echo: &lt;b&gt;not bold&lt;/b&gt;"}"#));
/// # Ok::<(), channeltalk_webhook::BotNameError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QuickReply {
    #[serde(skip)]
    bot_name: Option<BotName>,
    blocks: Vec<Block>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    buttons: Vec<Button>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    options: Vec<String>,
}

impl QuickReply {
    /// An empty quick reply; add at least one block before sending it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Shows the reply as written by `name` instead of the channel.
    pub fn bot_name(self, name: impl Into<String>) -> Result<Self, BotNameError> {
        Ok(self.with_bot_name(BotName::new(name)?))
    }

    /// Shows the reply as written by an already checked name.
    pub fn with_bot_name(mut self, name: BotName) -> Self {
        self.bot_name = Some(name);
        self
    }

    /// Adds a text block (a `&str`/`String` is escaped; a [`RichText`] is used as built).
    pub fn text(self, text: impl Into<RichText>) -> Self {
        self.block(Block::text(text))
    }

    /// Adds a code block, shown verbatim.
    pub fn code(self, language: Option<&str>, code: impl Into<String>) -> Self {
        self.block(Block::code(language, code))
    }

    /// Adds a bullet list, one text block per item.
    pub fn bullets<I, T>(self, items: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<RichText>,
    {
        self.block(Block::bullets(items))
    }

    /// Adds any block.
    pub fn block(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }

    /// Adds a button. Channel documents buttons for the Open API's message body; whether quick
    /// replies honour them is not confirmed.
    pub fn button(mut self, button: Button) -> Self {
        self.buttons.push(button);
        self
    }

    /// Adds a message option (`"silent"`, `"private"`, …). Documented for the Open API's message
    /// body; whether quick replies honour options is not confirmed.
    pub fn option(mut self, option: impl Into<String>) -> Self {
        self.options.push(option.into());
        self
    }

    /// The bot name, if set.
    pub fn name(&self) -> Option<&BotName> {
        self.bot_name.as_ref()
    }

    /// The blocks.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The JSON body: `{"blocks":[…]}` (with `buttons` / `options` when set).
    pub fn to_body(&self) -> Bytes {
        // Serializing these types cannot fail: every map key is a string.
        serde_json::to_vec(self)
            .map(Bytes::from)
            .unwrap_or_default()
    }

    /// The HTTP response Channel expects: 200, JSON, `x-quick-reply: true`, `x-bot-name`.
    pub fn into_response(self) -> Response<Bytes> {
        let mut response = Response::new(self.to_body());
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(QUICK_REPLY_HEADER, HeaderValue::from_static("true"));
        if let Some(value) = self.bot_name.as_ref().and_then(BotName::header_value) {
            headers.insert(BOT_NAME_HEADER, value);
        }
        response
    }
}

/// What a handler answers: nothing to post ([`Reply::Ack`]) or a [`QuickReply`].
///
/// Handlers may return `()`, a `QuickReply`, an `Option<QuickReply>` or a `Reply`.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Reply {
    /// `200 OK`, body `ok`: delivered, nothing to post.
    #[default]
    Ack,
    /// Post this message into the chat.
    Quick(QuickReply),
}

impl Reply {
    /// The HTTP response for this reply (always status 200).
    pub fn into_response(self) -> Response<Bytes> {
        match self {
            Reply::Ack => acknowledgement(),
            Reply::Quick(reply) => reply.into_response(),
        }
    }

    /// The quick reply, if any.
    pub fn quick_reply(&self) -> Option<&QuickReply> {
        match self {
            Reply::Ack => None,
            Reply::Quick(reply) => Some(reply),
        }
    }
}

impl From<()> for Reply {
    fn from((): ()) -> Self {
        Reply::Ack
    }
}

impl From<QuickReply> for Reply {
    fn from(reply: QuickReply) -> Self {
        Reply::Quick(reply)
    }
}

impl From<Option<QuickReply>> for Reply {
    fn from(reply: Option<QuickReply>) -> Self {
        reply.map_or(Reply::Ack, Reply::Quick)
    }
}

/// `200 OK` with a short plain-text body, the answer to every delivery we post nothing for.
pub(crate) fn acknowledgement() -> Response<Bytes> {
    plain_text(StatusCode::OK, Bytes::from_static(b"ok"))
}

/// A plain-text response with `status`.
pub(crate) fn plain_text(status: StatusCode, body: Bytes) -> Response<Bytes> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_reply_matches_the_spec_example() {
        let response = QuickReply::new()
            .bot_name("EchoBot")
            .unwrap()
            .text("echo: Hi! Webhook Test")
            .into_response();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()["x-quick-reply"], "true");
        assert_eq!(response.headers()["x-bot-name"], "EchoBot");
        assert_eq!(
            response.body().as_ref(),
            br#"{"blocks":[{"type":"text","value":"echo: Hi! Webhook Test"}]}"#
        );
    }

    #[test]
    fn non_ascii_bot_names_travel_as_raw_utf8_bytes() {
        for name in ["상담봇", "チャットボット", "Bot 🤖"] {
            let response = QuickReply::new()
                .bot_name(name)
                .unwrap()
                .text("hi")
                .into_response();
            assert_eq!(response.headers()["x-bot-name"].as_bytes(), name.as_bytes());
        }
    }

    #[test]
    fn refuses_empty_names_and_control_characters() {
        assert_eq!(BotName::new("").unwrap_err(), BotNameError::Empty);
        assert_eq!(BotName::new(" \t").unwrap_err(), BotNameError::Empty);
        for (name, character) in [
            ("a\rb", '\r'),
            ("a\nb", '\n'),
            ("a\tb", '\t'),
            ("a\u{7f}", '\u{7f}'),
            ("a\u{85}", '\u{85}'),
        ] {
            assert_eq!(
                BotName::new(name).unwrap_err(),
                BotNameError::ControlCharacter {
                    character,
                    position: 1
                }
            );
        }
    }

    #[test]
    fn no_name_means_no_header() {
        let response = QuickReply::new().text("x").into_response();
        assert!(response.headers().get("x-bot-name").is_none());
    }

    #[test]
    fn bullets_code_buttons_and_options_serialize_as_the_open_api_body() {
        let reply = QuickReply::new()
            .bullets(["one", "<two>"])
            .code(None, "a < b")
            .button(Button::link("Docs", "https://e.com").color("cobalt"))
            .option("silent");
        let body: serde_json::Value = serde_json::from_slice(&reply.to_body()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "blocks": [
                    {"type": "bullets", "blocks": [{"type": "text", "value": "one"}, {"type": "text", "value": "&lt;two&gt;"}]},
                    {"type": "code", "value": "a < b"}
                ],
                "buttons": [{"title": "Docs", "colorVariant": "cobalt", "url": "https://e.com"}],
                "options": ["silent"]
            })
        );
    }

    #[test]
    fn handler_results_convert_into_replies() {
        assert_eq!(Reply::from(()), Reply::Ack);
        assert_eq!(Reply::from(None::<QuickReply>), Reply::Ack);
        let ack = Reply::Ack.into_response();
        assert_eq!(ack.status(), StatusCode::OK);
        assert!(ack.headers().get("x-quick-reply").is_none());
    }
}
