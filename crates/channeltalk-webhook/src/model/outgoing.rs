//! [`OutgoingMessage`]: the body of a message a bot posts, shared by quick replies and the Open
//! API's message send.
//!
//! Channel accepts the same message body in both places: inside a webhook's HTTP response (a
//! quick reply) and in `POST …/messages` of the Open API. One builder serves both, so the
//! blocks, the escaping and the limits are the same whichever way a bot answers; only the bot
//! name travels differently (a header for a quick reply, a query parameter for a send).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::block::Block;
use super::message::Button;
use crate::rich_text::{RichText, first_byte_where};

/// The most buttons Channel accepts under one message.
pub const MAX_BUTTONS: usize = 2;

/// A message body to post: blocks, an optional plain text, buttons and options.
///
/// Text goes through [`RichText`]: a `&str` or `String` is escaped, so user text can never
/// inject links or mentions; build markup with [`RichText`] or pass [`RichText::raw`].
///
/// ```
/// use channeltalk_webhook::model::OutgoingMessage;
/// use channeltalk_webhook::rich_text::RichText;
///
/// let message = OutgoingMessage::new()
///     .text("2 < 3")
///     .text(RichText::new().bold("done"))
///     .option("silent");
/// message.check()?;
/// assert_eq!(
///     serde_json::to_string(&message)?,
///     r#"{"blocks":[{"type":"text","value":"2 &lt; 3"},{"type":"text","value":"<b>done</b>"}],"options":["silent"]}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutgoingMessage {
    blocks: Vec<Block>,
    plain_text: Option<String>,
    buttons: Vec<Button>,
    options: Vec<String>,
}

/// A message body Channel would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// No block and no plain text: there is nothing to post.
    #[error("the message is empty; add a text block (or a plain text) before sending it")]
    Empty,
    /// More buttons than Channel accepts.
    #[error("the message has {count} buttons; Channel accepts at most {MAX_BUTTONS}")]
    TooManyButtons {
        /// How many the message has.
        count: usize,
    },
}

impl OutgoingMessage {
    /// An empty message; add at least one block (or a plain text) before sending it.
    pub fn new() -> Self {
        Self::default()
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
    #[inline]
    pub fn block(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }

    /// Sets the `plainText` field: text without markup, sent as is. The Open API accepts a
    /// message made of a plain text only.
    pub fn plain_text(mut self, text: impl Into<String>) -> Self {
        self.plain_text = Some(text.into());
        self
    }

    /// Adds a button (Channel shows at most [`MAX_BUTTONS`]).
    pub fn button(mut self, button: Button) -> Self {
        self.buttons.push(button);
        self
    }

    /// Adds a message option (`"silent"`, `"private"`, `"actAsManager"`, …).
    pub fn option(mut self, option: impl Into<String>) -> Self {
        self.options.push(option.into());
        self
    }

    /// The JSON body, the bytes `serde_json` writes for this message.
    ///
    /// A message of text blocks only (every quick reply an echo or a FAQ bot sends) is written
    /// directly into a buffer of its exact size; anything else goes through serde.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        if let Some(body) = self.text_blocks_json() {
            return body;
        }
        let mut body = Vec::with_capacity(self.estimated_json_len());
        // Serializing these types cannot fail: every map key is a string.
        match serde_json::to_writer(&mut body, self) {
            Ok(()) => body,
            Err(_) => Vec::new(),
        }
    }

    /// `{"blocks":[{"type":"text","value":…},…]}` written by hand when the message is text
    /// blocks only; `None` for any other message.
    fn text_blocks_json(&self) -> Option<Vec<u8>> {
        const OPEN: &[u8] = br#"{"blocks":["#;
        const OPEN_TEXT: &[u8] = br#"{"type":"text","value":"#;
        const CLOSE_TEXT: &[u8] = b"}";
        const CLOSE: &[u8] = b"]}";
        if self.plain_text.is_some() || !self.buttons.is_empty() || !self.options.is_empty() {
            return None;
        }
        let mut len = OPEN.len() + CLOSE.len() + self.blocks.len().saturating_sub(1);
        for block in &self.blocks {
            let Block::Text { value } = block else {
                return None;
            };
            // Exact unless a value has characters JSON escapes (then the buffer grows).
            len += OPEN_TEXT.len() + value.len() + 2 + CLOSE_TEXT.len();
        }
        let mut body = Vec::with_capacity(len);
        body.extend_from_slice(OPEN);
        for (index, block) in self.blocks.iter().enumerate() {
            if let Block::Text { value } = block {
                if index > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(OPEN_TEXT);
                write_json_string(&mut body, value);
                body.extend_from_slice(CLOSE_TEXT);
            }
        }
        body.extend_from_slice(CLOSE);
        Some(body)
    }

    /// About how many bytes the JSON body takes: the blocks' text plus the markup around it
    /// (a buffer of this size is rarely regrown while serializing).
    fn estimated_json_len(&self) -> usize {
        fn block_len(block: &Block) -> usize {
            match block {
                Block::Text { value } => value.len() + 32,
                Block::Code { language, value } => {
                    value.len() + language.as_ref().map_or(0, String::len) + 48
                }
                Block::Bullets { blocks } => blocks.iter().map(block_len).sum::<usize>() + 40,
                Block::Unknown(_) => 64,
            }
        }
        let blocks: usize = self.blocks.iter().map(block_len).sum();
        let plain_text = self.plain_text.as_ref().map_or(0, |text| text.len() + 16);
        16 + blocks + plain_text + 64 * (self.buttons.len() + self.options.len())
    }

    /// The blocks.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The plain text, if set.
    pub fn plain_text_value(&self) -> Option<&str> {
        self.plain_text.as_deref()
    }

    /// The buttons.
    pub fn buttons(&self) -> &[Button] {
        &self.buttons
    }

    /// The options.
    pub fn options(&self) -> &[String] {
        &self.options
    }

    /// Checks the limits Channel enforces: something to post, at most [`MAX_BUTTONS`] buttons.
    pub fn check(&self) -> Result<(), MessageError> {
        if self.blocks.is_empty() && self.plain_text.as_deref().is_none_or(str::is_empty) {
            return Err(MessageError::Empty);
        }
        if self.buttons.len() > MAX_BUTTONS {
            return Err(MessageError::TooManyButtons {
                count: self.buttons.len(),
            });
        }
        Ok(())
    }

    /// Serializes the fields into a map that may hold more (the Open API's `requestId`).
    ///
    /// `blocks` is always written unless the message is a plain text only, so a quick reply's
    /// body is always `{"blocks":[…]}`.
    pub(crate) fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        if !self.blocks.is_empty() || self.plain_text.is_none() {
            map.serialize_entry("blocks", &self.blocks)?;
        }
        if let Some(text) = &self.plain_text {
            map.serialize_entry("plainText", text)?;
        }
        if !self.buttons.is_empty() {
            map.serialize_entry("buttons", &self.buttons)?;
        }
        if !self.options.is_empty() {
            map.serialize_entry("options", &self.options)?;
        }
        Ok(())
    }
}

/// Writes `value` as a JSON string, byte for byte as `serde_json` does: copied as is between
/// quotes when it holds no character JSON escapes (`"`, `\`, control characters), else
/// through `serde_json` itself.
fn write_json_string(out: &mut Vec<u8>, value: &str) {
    let needs_escape = |byte: u8| (byte < 0x20) | (byte == b'"') | (byte == b'\\');
    if first_byte_where(value.as_bytes(), needs_escape).is_none() {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else if serde_json::to_writer(&mut *out, value).is_err() {
        // Writing into a `Vec` cannot fail.
        out.extend_from_slice(b"\"\"");
    }
}

impl Serialize for OutgoingMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.serialize_fields(&mut map)?;
        map.end()
    }
}

impl<T: Into<RichText>> From<T> for OutgoingMessage {
    /// One text block (escaped unless it is a [`RichText`]).
    fn from(text: T) -> Self {
        OutgoingMessage::new().text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_alone_has_no_blocks() {
        let message = OutgoingMessage::new().plain_text("hi <there>");
        assert_eq!(message.check(), Ok(()));
        assert_eq!(
            serde_json::to_string(&message).unwrap(),
            r#"{"plainText":"hi <there>"}"#
        );
    }

    #[test]
    fn empty_messages_and_three_buttons_are_refused() {
        assert_eq!(OutgoingMessage::new().check(), Err(MessageError::Empty));
        assert_eq!(
            OutgoingMessage::new().plain_text("").check(),
            Err(MessageError::Empty)
        );
        let three = (0..3).fold(OutgoingMessage::from("x"), |m, i| {
            m.button(Button::link(format!("b{i}"), "https://e.com"))
        });
        assert_eq!(
            three.check(),
            Err(MessageError::TooManyButtons { count: 3 })
        );
    }

    proptest::proptest! {
        #[test]
        fn text_blocks_are_written_as_serde_json_writes_them(
            texts in proptest::collection::vec("\\PC{0,40}|[\"\\\\\\x00-\\x1f\\x7f&<>a\\u{e9}]{0,40}", 0..4)
        ) {
            let message = texts
                .iter()
                .fold(OutgoingMessage::new(), |message, text| message.text(RichText::raw(text.clone())));
            proptest::prop_assert_eq!(message.to_json(), serde_json::to_vec(&message).unwrap());
        }
    }

    #[test]
    fn a_text_reply_is_written_into_a_buffer_of_its_exact_size() {
        let body = OutgoingMessage::from("echo: Hi! Webhook Test").to_json();
        assert_eq!(
            body,
            br#"{"blocks":[{"type":"text","value":"echo: Hi! Webhook Test"}]}"#
        );
        assert_eq!(body.capacity(), body.len());
        let two = OutgoingMessage::from("a").text("b").to_json();
        assert_eq!(two.capacity(), two.len());
    }

    #[test]
    fn every_other_message_is_written_as_serde_json_writes_it() {
        for message in [
            OutgoingMessage::new(),
            OutgoingMessage::from("a\n\"b\"").code(Some("rust"), "fn main() {}"),
            OutgoingMessage::from("a").option("silent"),
            OutgoingMessage::from("a").plain_text("a"),
            OutgoingMessage::from("a").button(Button::link("Docs", "https://e.com")),
            OutgoingMessage::new().bullets(["x", "y"]),
        ] {
            assert_eq!(message.to_json(), serde_json::to_vec(&message).unwrap());
        }
    }

    #[test]
    fn text_converts_into_one_escaped_block() {
        let message = OutgoingMessage::from("<b>");
        assert_eq!(
            message.blocks(),
            &[Block::Text {
                value: "&lt;b&gt;".into()
            }]
        );
    }
}
