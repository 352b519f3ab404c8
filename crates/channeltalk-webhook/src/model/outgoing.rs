//! [`OutgoingMessage`]: the body of a message a bot posts, shared by quick replies and the Open
//! API's message send.
//!
//! Channel accepts the same message body in both places: inside a webhook's HTTP response (a
//! quick reply) and in `POST …/messages` of the Open API. One builder serves both, so the
//! blocks, the escaping and the limits are the same whichever way a bot answers; only the bot
//! name travels differently (a header for a quick reply, a query parameter for a send).

use std::fmt;
use std::str::FromStr;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::block::Block;
use super::message::{Button, File, Form, WebPage};
use crate::rich_text::{RichText, first_byte_where};

/// The most buttons Channel accepts under one message.
pub const MAX_BUTTONS: usize = 2;

/// The most files Channel accepts in one posted message.
const MAX_FILES: usize = 10;

/// A message option: how Channel treats a posted message. These eleven are the values
/// Channel's schema accepts in `options`, and each may appear once.
///
/// [`OutgoingMessage::option`] takes one of these or its name (it converts into `String`), so
/// code written with strings keeps working; a name that is not one of these is refused by
/// [`OutgoingMessage::check`].
///
/// ```
/// use channeltalk_webhook::model::OutgoingMessage;
///
/// let message = OutgoingMessage::from("hi").option("silent").option("private").option("silent");
/// assert_eq!(message.options().len(), 2);
/// assert_eq!(message.options()[0].as_str(), "silent");
/// assert!(message.check().is_ok());
/// assert!(OutgoingMessage::from("hi").option("slient").check().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum MessageOption {
    /// `actAsManager`: shown as written by a manager.
    ActAsManager,
    /// `displayAsChannel`: shown as written by the channel.
    DisplayAsChannel,
    /// `doNotPost`: stored without being posted to the chat.
    DoNotPost,
    /// `doNotSearch`: left out of search.
    DoNotSearch,
    /// `doNotSendApp`: not sent to the messaging app the chat is connected to.
    DoNotSendApp,
    /// `doNotUpdateDesk`: does not move the chat in the desk.
    DoNotUpdateDesk,
    /// `immutable`: cannot be edited afterwards.
    Immutable,
    /// `private`: shown to the team only.
    Private,
    /// `silent`: no notification.
    Silent,
    /// `silentToManager`: no notification to managers.
    SilentToManager,
    /// `silentToUser`: no notification to the customer.
    SilentToUser,
}

impl MessageOption {
    /// Every option, in Channel's order.
    pub const ALL: [MessageOption; 11] = [
        MessageOption::ActAsManager,
        MessageOption::DisplayAsChannel,
        MessageOption::DoNotPost,
        MessageOption::DoNotSearch,
        MessageOption::DoNotSendApp,
        MessageOption::DoNotUpdateDesk,
        MessageOption::Immutable,
        MessageOption::Private,
        MessageOption::Silent,
        MessageOption::SilentToManager,
        MessageOption::SilentToUser,
    ];

    /// The name Channel uses (`"silent"`, `"actAsManager"`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageOption::ActAsManager => "actAsManager",
            MessageOption::DisplayAsChannel => "displayAsChannel",
            MessageOption::DoNotPost => "doNotPost",
            MessageOption::DoNotSearch => "doNotSearch",
            MessageOption::DoNotSendApp => "doNotSendApp",
            MessageOption::DoNotUpdateDesk => "doNotUpdateDesk",
            MessageOption::Immutable => "immutable",
            MessageOption::Private => "private",
            MessageOption::Silent => "silent",
            MessageOption::SilentToManager => "silentToManager",
            MessageOption::SilentToUser => "silentToUser",
        }
    }
}

impl fmt::Display for MessageOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessageOption {
    type Err = MessageError;

    /// The option of this name, exactly as Channel spells it.
    fn from_str(name: &str) -> Result<Self, MessageError> {
        MessageOption::ALL
            .into_iter()
            .find(|option| option.as_str() == name)
            .ok_or_else(|| MessageError::UnknownOption {
                option: name.to_owned(),
            })
    }
}

impl From<MessageOption> for String {
    fn from(option: MessageOption) -> Self {
        option.as_str().to_owned()
    }
}

impl Serialize for MessageOption {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A message body to post: blocks, an optional plain text, buttons, files, a web page, a form
/// and options.
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
    files: Vec<File>,
    /// Boxed: rare, and large beside the rest (a quick reply is moved around whole).
    web_page: Option<Box<WebPage>>,
    form: Option<Box<Form>>,
    /// Unique, in the order first given.
    options: Vec<MessageOption>,
    /// Names given to [`OutgoingMessage::option`] that are not options: never sent, and
    /// refused by [`OutgoingMessage::check`].
    unknown_options: Vec<String>,
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
    /// A button Channel would refuse: no title, no action, or an action it cannot read.
    #[error("button {index} cannot be posted: {reason}")]
    InvalidButton {
        /// Its position among the message's buttons (from 0).
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A name that is not one of Channel's message options (`MessageOption`).
    #[error("{option:?} is not a message option; Channel accepts only those of MessageOption")]
    UnknownOption {
        /// The name given.
        option: String,
    },
    /// More files than Channel accepts in one message.
    #[error("the message has {count} files; Channel accepts at most {MAX_FILES}")]
    TooManyFiles {
        /// How many the message has.
        count: usize,
    },
    /// A file, web page or form Channel would refuse: a required field is missing.
    #[error("the message's {part} cannot be posted: {reason}")]
    InvalidPart {
        /// `"file 0"`, `"webPage"`, `"form"`.
        part: String,
        /// What is wrong with it.
        reason: &'static str,
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

    /// Adds a message option: a `MessageOption` or its name (`"silent"`, `"private"`,
    /// `"actAsManager"`, …). An option given twice is sent once. A name that is not an option
    /// is never sent, and [`OutgoingMessage::check`] refuses the message (Channel would).
    pub fn option(mut self, option: impl Into<String>) -> Self {
        let name = option.into();
        match name.parse::<MessageOption>() {
            Ok(option) if !self.options.contains(&option) => self.options.push(option),
            Ok(_) => {}
            Err(_) => {
                tracing::debug!(option = %name, "not one of Channel's message options; left out");
                if !self.unknown_options.contains(&name) {
                    self.unknown_options.push(name);
                }
            }
        }
        self
    }

    /// Attaches a file already uploaded to Channel's storage (at most 10 per message; see
    /// [`File::uploaded`]).
    pub fn file(mut self, file: File) -> Self {
        self.files.push(file);
        self
    }

    /// Sets the preview of a web page shown with the message (`webPage`; Channel requires its
    /// `id` and `url`).
    pub fn web_page(mut self, web_page: WebPage) -> Self {
        self.web_page = Some(Box::new(web_page));
        self
    }

    /// Sets a form the customer fills in (`form`; Channel requires its `type`).
    pub fn form(mut self, form: Form) -> Self {
        self.form = Some(Box::new(form));
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
        if self.plain_text.is_some()
            || !self.buttons.is_empty()
            || !self.options.is_empty()
            || !self.files.is_empty()
            || self.web_page.is_some()
            || self.form.is_some()
        {
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
        let parts = self.buttons.len()
            + self.options.len()
            + 2 * self.files.len()
            + 2 * usize::from(self.web_page.is_some())
            + 4 * usize::from(self.form.is_some());
        16 + blocks + plain_text + 64 * parts
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

    /// The files.
    pub fn files(&self) -> &[File] {
        &self.files
    }

    /// The web page, if set.
    pub fn web_page_value(&self) -> Option<&WebPage> {
        self.web_page.as_deref()
    }

    /// The form, if set.
    pub fn form_value(&self) -> Option<&Form> {
        self.form.as_deref()
    }

    /// The options, each once, in the order first given.
    pub fn options(&self) -> &[MessageOption] {
        &self.options
    }

    /// Checks what Channel's schema enforces: something to post (a block, a plain text, a
    /// file, a web page or a form), at most [`MAX_BUTTONS`] buttons, each with a title and an
    /// action, at most 10 files with their required fields, a web page's `id` and `url`, a
    /// form's `type`, and options Channel knows.
    pub fn check(&self) -> Result<(), MessageError> {
        let has_text =
            !self.blocks.is_empty() || self.plain_text.as_deref().is_some_and(|t| !t.is_empty());
        if !has_text && self.files.is_empty() && self.web_page.is_none() && self.form.is_none() {
            return Err(MessageError::Empty);
        }
        if self.buttons.len() > MAX_BUTTONS {
            return Err(MessageError::TooManyButtons {
                count: self.buttons.len(),
            });
        }
        if let Some((index, reason)) = self
            .buttons
            .iter()
            .enumerate()
            .find_map(|(index, button)| Some((index, button.problem()?)))
        {
            return Err(MessageError::InvalidButton { index, reason });
        }
        if let Some(option) = self.unknown_options.first() {
            return Err(MessageError::UnknownOption {
                option: option.clone(),
            });
        }
        if self.files.len() > MAX_FILES {
            return Err(MessageError::TooManyFiles {
                count: self.files.len(),
            });
        }
        if let Some((index, reason)) = self
            .files
            .iter()
            .enumerate()
            .find_map(|(index, file)| Some((index, file.problem()?)))
        {
            return Err(MessageError::InvalidPart {
                part: format!("file {index}"),
                reason,
            });
        }
        if let Some(reason) = self.web_page.as_deref().and_then(WebPage::problem) {
            return Err(MessageError::InvalidPart {
                part: "webPage".to_owned(),
                reason,
            });
        }
        if let Some(reason) = self.form.as_deref().and_then(Form::problem) {
            return Err(MessageError::InvalidPart {
                part: "form".to_owned(),
                reason,
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
        if !self.files.is_empty() {
            map.serialize_entry("files", &self.files)?;
        }
        if let Some(web_page) = &self.web_page {
            map.serialize_entry("webPage", web_page)?;
        }
        if let Some(form) = &self.form {
            map.serialize_entry("form", form)?;
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
    use super::super::message::FormInput;
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
            OutgoingMessage::from("a").file(File::uploaded("f1", "a.png", 3, "bin", "k/a.png")),
            OutgoingMessage::from("a").web_page(WebPage::new("w1", "https://e.com")),
            OutgoingMessage::from("a").form(Form::new("custom", [FormInput::new("text", "Name")])),
        ] {
            assert_eq!(message.to_json(), serde_json::to_vec(&message).unwrap());
        }
    }

    #[test]
    fn options_are_channels_eleven_each_once() {
        let message = OutgoingMessage::from("a")
            .option("silent")
            .option(MessageOption::Private)
            .option(String::from("silent"))
            .option(MessageOption::Silent);
        assert_eq!(
            message.options(),
            [MessageOption::Silent, MessageOption::Private]
        );
        assert_eq!(message.check(), Ok(()));
        assert_eq!(
            serde_json::to_value(&message).unwrap()["options"],
            serde_json::json!(["silent", "private"])
        );
        for option in MessageOption::ALL {
            assert_eq!(option.as_str().parse::<MessageOption>(), Ok(option));
            assert_eq!(String::from(option), option.to_string());
        }
        let names: std::collections::BTreeSet<&str> =
            MessageOption::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(names.len(), 11);
    }

    #[test]
    fn an_unknown_option_is_never_sent_and_refused() {
        let message = OutgoingMessage::from("a")
            .option("silent")
            .option("markAsUnread")
            .option("Silent");
        assert_eq!(message.options(), [MessageOption::Silent]);
        assert_eq!(
            message.check(),
            Err(MessageError::UnknownOption {
                option: "markAsUnread".into()
            })
        );
        assert_eq!(
            serde_json::to_value(&message).unwrap()["options"],
            serde_json::json!(["silent"])
        );
        assert!("".parse::<MessageOption>().is_err());
    }

    #[test]
    fn a_button_needs_a_title_and_an_action() {
        let check = |button: Button| OutgoingMessage::from("a").button(button).check();
        assert_eq!(check(Button::link("Docs", "https://e.com")), Ok(()));
        assert_eq!(
            check(Button::link("Docs", "https://e.com").color("green")),
            Ok(())
        );
        let without_action: Button =
            serde_json::from_str(r#"{"title":"Docs","url":"https://e.com"}"#).unwrap();
        let without_title = Button::link(" ", "https://e.com");
        let without_type =
            Button::with_action("Run", serde_json::json!({"attributes": {"name": "x"}}));
        let without_url = Button::with_action("Go", serde_json::json!({"type": "web"}));
        let odd_color = Button::link("Docs", "https://e.com").color("teal");
        for button in [
            without_action,
            without_title,
            without_type,
            without_url,
            odd_color,
            Button::default(),
        ] {
            assert!(
                matches!(
                    check(button.clone()),
                    Err(MessageError::InvalidButton { index: 0, .. })
                ),
                "{button:?}"
            );
        }
        let command = Button::with_action(
            "Order",
            serde_json::json!({"type": "command", "attributes": {"appId": "a", "name": "order"}}),
        );
        assert_eq!(check(command), Ok(()));
    }

    #[test]
    fn files_web_pages_and_forms_are_checked_and_sent() {
        let file = File::uploaded("f1", "receipt.png", 2048, "bin", "pub-file/1/receipt.png");
        let message = OutgoingMessage::new()
            .file(file.clone())
            .web_page(WebPage::new("wp-1", "https://shop.example"))
            .form(Form::new(
                "custom",
                [FormInput::new("text", "Order number")],
            ));
        assert_eq!(
            message.check(),
            Ok(()),
            "a message of files alone is not empty"
        );
        assert_eq!(
            serde_json::to_value(&message).unwrap(),
            serde_json::json!({"blocks": [],
                "files": [{"id": "f1", "name": "receipt.png", "size": 2048, "bucket": "bin",
                           "key": "pub-file/1/receipt.png"}],
                "webPage": {"id": "wp-1", "url": "https://shop.example"},
                "form": {"type": "custom", "inputs": [{"type": "text", "label": "Order number"}]}})
        );
        let eleven = (0..11).fold(OutgoingMessage::from("a"), |m, _| m.file(file.clone()));
        assert_eq!(
            eleven.check(),
            Err(MessageError::TooManyFiles { count: 11 })
        );
        let mut nameless = file.clone();
        nameless.name = None;
        assert!(matches!(
            OutgoingMessage::from("a").file(file).file(nameless).check(),
            Err(MessageError::InvalidPart { ref part, .. }) if part == "file 1"
        ));
        assert!(matches!(
            OutgoingMessage::from("a").web_page(WebPage::default()).check(),
            Err(MessageError::InvalidPart { ref part, .. }) if part == "webPage"
        ));
        assert!(matches!(
            OutgoingMessage::from("a").form(Form::default()).check(),
            Err(MessageError::InvalidPart { ref part, .. }) if part == "form"
        ));
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
