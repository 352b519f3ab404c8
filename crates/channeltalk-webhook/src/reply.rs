//! Answering a delivery: a [`QuickReply`] posted into the chat by Channel, or a plain
//! acknowledgement ([`Reply::Ack`]).
//!
//! A quick reply is the HTTP response to the delivery itself (see `docs/protocol.md`): status 200,
//! `Content-Type: application/json`, `x-quick-reply: true`, optionally `x-bot-name`, and a
//! body `{"blocks":[…]}`.

use std::borrow::Cow;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::headers::{BOT_NAME_HEADER, JSON, PLAIN_TEXT, QUICK_REPLY_HEADER, QUICK_REPLY_ON};
use crate::model::{Block, Button, OutgoingMessage};
use crate::rich_text::RichText;

/// A bot name that can travel in the `x-bot-name` header (and in the Open API's `?botName=`):
/// any UTF-8 (Korean, Japanese, emoji) without control characters, sent as raw UTF-8 bytes.
///
/// Names known when the program is written need no error handling: [`BotName::from_static`]
/// checks them at compile time in a `const`. Names read at run time go through
/// [`BotName::new`].
///
/// ```
/// use channeltalk_webhook::BotName;
///
/// const ECHO: BotName = BotName::from_static("EchoBot");
/// assert_eq!(ECHO.as_str(), "EchoBot");
/// assert!(BotName::new("상담봇").is_ok());
/// assert!(BotName::new("Echo\r\nSet-Cookie: x").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BotName(Cow<'static, str>);

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
        // The usual name, printable ASCII with a letter in it, passes both checks below: say
        // so in one cheap pass over its bytes.
        let bytes = name.as_bytes();
        let printable = bytes.iter().all(|&byte| (b' '..=b'~').contains(&byte));
        if printable && bytes.iter().any(|&byte| byte != b' ') {
            return Ok(BotName(Cow::Owned(name)));
        }
        if name.trim().is_empty() {
            return Err(BotNameError::Empty);
        }
        if let Some((position, character)) = name.char_indices().find(|(_, c)| c.is_control()) {
            return Err(BotNameError::ControlCharacter {
                character,
                position,
            });
        }
        Ok(BotName(Cow::Owned(name)))
    }

    /// A bot name written in the program, checked by the same rules as [`BotName::new`].
    ///
    /// In a `const` (`const BOT: BotName = BotName::from_static("EchoBot");`) a bad name stops
    /// the build; elsewhere it panics on first use.
    ///
    /// # Panics
    ///
    /// When `name` is empty, only white space, or holds a control character.
    ///
    /// ```compile_fail
    /// use channeltalk_webhook::BotName;
    /// const BAD: BotName = BotName::from_static("Echo\nBot");
    /// ```
    pub const fn from_static(name: &'static str) -> Self {
        match static_name_problem(name.as_bytes()) {
            Some(StaticNameProblem::Empty) => {
                panic!("BotName::from_static: the bot name is empty or only white space")
            }
            Some(StaticNameProblem::Control) => panic!(
                "BotName::from_static: the bot name contains a control character (CR, LF, TAB, …), which HTTP headers cannot carry"
            ),
            None => BotName(Cow::Borrowed(name)),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `x-bot-name` header, without copying: a static name is borrowed, an owned one
    /// handed over. Checked in `new`: no control characters, so every byte is a valid header
    /// byte.
    fn into_header_value(self) -> Option<HeaderValue> {
        let bytes = match self.0 {
            Cow::Borrowed(name) => Bytes::from_static(name.as_bytes()),
            Cow::Owned(name) => Bytes::from(name),
        };
        HeaderValue::from_maybe_shared(bytes).ok()
    }
}

/// Unicode's `White_Space` property, the set `char::is_whitespace` tests (which is not
/// `const` in the supported Rust versions).
const fn is_white_space(code: u32) -> bool {
    matches!(
        code,
        0x09..=0x0D | 0x20 | 0x85 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F
            | 0x205F | 0x3000
    )
}

enum StaticNameProblem {
    Empty,
    Control,
}

/// `BotName::new`'s rules in a `const fn`: decodes the (valid) UTF-8 by hand, since `chars()`
/// is not available in constants.
const fn static_name_problem(bytes: &[u8]) -> Option<StaticNameProblem> {
    let mut index = 0;
    let mut blank = true;
    while index < bytes.len() {
        let first = bytes[index] as u32;
        let (code, width) = if first < 0x80 {
            (first, 1)
        } else if first < 0xE0 {
            (((first & 0x1F) << 6) | (bytes[index + 1] as u32 & 0x3F), 2)
        } else if first < 0xF0 {
            (
                ((first & 0x0F) << 12)
                    | ((bytes[index + 1] as u32 & 0x3F) << 6)
                    | (bytes[index + 2] as u32 & 0x3F),
                3,
            )
        } else {
            (
                ((first & 0x07) << 18)
                    | ((bytes[index + 1] as u32 & 0x3F) << 12)
                    | ((bytes[index + 2] as u32 & 0x3F) << 6)
                    | (bytes[index + 3] as u32 & 0x3F),
                4,
            )
        };
        if !is_white_space(code) {
            blank = false;
        }
        if code < 0x20 || (code >= 0x7F && code <= 0x9F) {
            return Some(StaticNameProblem::Control);
        }
        index += width;
    }
    if blank {
        Some(StaticNameProblem::Empty)
    } else {
        None
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
/// use channeltalk_webhook::{BotName, QuickReply, rich_text::RichText};
///
/// let reply = QuickReply::new()
///     .bot_name(BotName::from_static("EchoBot"))
///     .text("echo: <b>not bold</b>")
///     .text(RichText::new().bold("really bold"))
///     .code(Some("rust"), "fn main() {}");
/// let response = reply.into_response();
/// assert_eq!(response.headers()["x-quick-reply"], "true");
/// assert_eq!(response.headers()["x-bot-name"], "EchoBot");
/// assert!(response.body().starts_with(br#"{"blocks":[{"type":"text","value":"echo: &lt;b&gt;not bold&lt;/b&gt;"}"#));
/// # Ok::<(), channeltalk_webhook::BotNameError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuickReply {
    bot_name: Option<BotName>,
    message: OutgoingMessage,
}

impl QuickReply {
    /// An empty quick reply; add at least one block before sending it.
    #[inline]
    pub fn new() -> Self {
        Self::default()
    }

    /// Shows the reply as written by `name` instead of the channel (a name known when you
    /// write the program: `BotName::from_static("EchoBot")`; one read at run time:
    /// `BotName::new(name)?`).
    #[inline]
    pub fn bot_name(mut self, name: BotName) -> Self {
        self.bot_name = Some(name);
        self
    }

    /// Adds a text block (a `&str`/`String` is escaped; a [`RichText`] is used as built).
    pub fn text(self, text: impl Into<RichText>) -> Self {
        self.map(|message| message.text(text))
    }

    /// Adds a code block, shown verbatim.
    pub fn code(self, language: Option<&str>, code: impl Into<String>) -> Self {
        self.map(|message| message.code(language, code))
    }

    /// Adds a bullet list, one text block per item.
    pub fn bullets<I, T>(self, items: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<RichText>,
    {
        self.map(|message| message.bullets(items))
    }

    /// Adds any block.
    pub fn block(self, block: Block) -> Self {
        self.map(|message| message.block(block))
    }

    /// Adds a button. Channel documents buttons for the Open API's message body; whether quick
    /// replies honour them is not confirmed.
    pub fn button(self, button: Button) -> Self {
        self.map(|message| message.button(button))
    }

    /// Adds a message option (`"silent"`, `"private"`, …). Documented for the Open API's message
    /// body; whether quick replies honour options is not confirmed.
    pub fn option(self, option: impl Into<String>) -> Self {
        self.map(|message| message.option(option))
    }

    fn map(mut self, build: impl FnOnce(OutgoingMessage) -> OutgoingMessage) -> Self {
        self.message = build(self.message);
        self
    }

    /// The bot name, if set.
    pub fn name(&self) -> Option<&BotName> {
        self.bot_name.as_ref()
    }

    /// The blocks.
    pub fn blocks(&self) -> &[Block] {
        self.message.blocks()
    }

    /// The message body, the same one the Open API's send takes.
    pub fn message(&self) -> &OutgoingMessage {
        &self.message
    }

    /// Splits the reply into its bot name and its message body (to post it later through the
    /// Open API instead).
    pub fn into_parts(self) -> (Option<BotName>, OutgoingMessage) {
        (self.bot_name, self.message)
    }

    /// The JSON body: `{"blocks":[…]}` (with `buttons` / `options` when set).
    pub fn to_body(&self) -> Bytes {
        Bytes::from(self.message.to_json())
    }

    /// The HTTP response Channel expects: 200, JSON, `x-quick-reply: true`, `x-bot-name`.
    pub fn into_response(self) -> Response<Bytes> {
        let mut response = Response::new(self.to_body());
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, JSON);
        headers.insert(QUICK_REPLY_HEADER, QUICK_REPLY_ON);
        if let Some(value) = self.bot_name.and_then(BotName::into_header_value) {
            headers.insert(BOT_NAME_HEADER, value);
        }
        response
    }
}

impl From<OutgoingMessage> for QuickReply {
    fn from(message: OutgoingMessage) -> Self {
        QuickReply {
            bot_name: None,
            message,
        }
    }
}

/// The body only: the bot name travels in a header.
impl Serialize for QuickReply {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.message.serialize_fields(&mut map)?;
        map.end()
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
    #[inline]
    fn from(reply: QuickReply) -> Self {
        Reply::Quick(reply)
    }
}

impl From<Option<QuickReply>> for Reply {
    #[inline]
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
    response.headers_mut().insert(CONTENT_TYPE, PLAIN_TEXT);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_reply_matches_the_spec_example() {
        let response = QuickReply::new()
            .bot_name(BotName::from_static("EchoBot"))
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
                .bot_name(BotName::new(name).unwrap())
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
    fn static_names_follow_the_same_rules_as_runtime_names() {
        const ECHO: BotName = BotName::from_static("EchoBot");
        assert_eq!(ECHO, BotName::new("EchoBot").unwrap());
        for name in [
            "상담봇",
            "チャットボット",
            "Bot 🤖",
            "é",
            " a ",
            "\u{3000}x",
        ] {
            assert!(static_name_problem(name.as_bytes()).is_none(), "{name:?}");
            assert!(BotName::new(name).is_ok(), "{name:?}");
        }
        for name in [
            "", " ", "\u{3000}", "\u{a0}\t", "a\rb", "a\u{85}", "a\u{7f}", "x\u{9f}",
        ] {
            assert!(static_name_problem(name.as_bytes()).is_some(), "{name:?}");
            assert!(BotName::new(name).is_err(), "{name:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn static_and_runtime_names_agree(name in "\\PC{0,8}|[ \\t\\r\\n\\u{85}\\u{a0}\\u{3000}a-z]{0,6}") {
            proptest::prop_assert_eq!(
                static_name_problem(name.as_bytes()).is_none(),
                BotName::new(name.clone()).is_ok()
            );
        }
    }

    #[test]
    fn the_const_white_space_set_is_unicodes() {
        for code in 0..=0x10FFFF {
            if let Some(character) = char::from_u32(code) {
                assert_eq!(is_white_space(code), character.is_whitespace(), "{code:#x}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "control character")]
    fn static_names_with_control_characters_panic() {
        let _ = BotName::from_static(leak("Echo\nBot"));
    }

    fn leak(name: &str) -> &'static str {
        Box::leak(name.to_owned().into_boxed_str())
    }

    #[test]
    fn quick_reply_and_message_share_one_body() {
        let reply = QuickReply::new().text("a").option("silent");
        assert_eq!(
            serde_json::to_vec(&reply).unwrap(),
            reply.to_body().to_vec()
        );
        let (name, message) = reply.clone().into_parts();
        assert!(name.is_none());
        assert_eq!(QuickReply::from(message), reply);
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
                "buttons": [{"title": "Docs", "colorVariant": "cobalt",
                    "action": {"type": "web", "attributes": {"url": "https://e.com"}}}],
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
