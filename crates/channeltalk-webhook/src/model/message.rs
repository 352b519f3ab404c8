//! [`Message`]: a chat message, with its buttons, files and reactions.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::block::{Block, join_plain_text};
use super::element::Element;
use super::enums::{ChatType, MessageState, PersonType};
use super::serde_util::null_as_default;
use super::timestamp::Timestamp;

/// A message posted in a user chat or a team chat (`"type":"message"`, also `refers.message`).
///
/// The fields the spec marks as always present are plain fields; every other one is optional
/// or an empty list when absent. Fields this SDK does not model are skipped here and stay
/// readable in the event's raw body ([`Event::body`](crate::Event::body)).
///
/// ```
/// use channeltalk_webhook::{Event, Entity};
///
/// let body = r#"{"event":"push","type":"message","entity":{
///     "id":"m1","channelId":"1","chatType":"userChat","chatId":"c1","chatKey":"userChat-c1",
///     "personType":"user","personId":"u1","createdAt":1600158433443,
///     "blocks":[{"type":"text","value":"<b>Hi</b> there"}]}}"#;
/// let event = Event::parse(body)?;
/// let message = event.message().expect("a message event");
/// assert!(message.is_from_user() && message.is_user_chat());
/// assert_eq!(message.text().as_deref(), Some("Hi there"));
/// # Ok::<(), channeltalk_webhook::ParseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Message {
    /// The message id.
    pub id: String,
    /// The channel (workspace) id.
    pub channel_id: String,
    /// Where it was posted: a user chat or a team chat.
    pub chat_type: ChatType,
    /// The id of the user chat or group.
    pub chat_id: String,
    /// `"{chatType}-{chatId}"`.
    pub chat_key: String,
    /// Who wrote it.
    pub person_type: PersonType,
    /// The id of the user, manager or bot who wrote it.
    pub person_id: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// The text without markup, when Channel includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plain_text: Option<String>,
    /// The body as blocks.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub blocks: Vec<Block>,
    /// Buttons shown under the message; an entry that does not fit is kept as
    /// [`Element::Unknown`].
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub buttons: Vec<Element<Button>>,
    /// Attached files; an entry that does not fit is kept as [`Element::Unknown`].
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub files: Vec<Element<File>>,
    /// Emoji reactions; an entry that does not fit is kept as [`Element::Unknown`].
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub reactions: Vec<Element<Reaction>>,
    /// Message options (`"silent"`, `"private"`, …).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub options: Vec<String>,
    /// Delivery state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<MessageState>,
    /// Client request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The language of the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The thread root's key, for messages in a thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_key: Option<String>,
    /// The id of the thread's root message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_message_id: Option<String>,
    /// Whether this is a thread root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<bool>,
    /// The entity version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// When it was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Set on marketing messages (`{type, id, advertising, exposureType}`), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketing: Option<Value>,
    /// Set on support-bot messages (`{id, revisionId, sectionId, stepIndex, buttons, …}`), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_bot: Option<Value>,
    /// Set on workflow messages (`{id, revisionId, sectionId, actionIndex, …}`), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Value>,
}

impl Message {
    /// The message's text: `plainText` when present and not empty, otherwise the text of its
    /// blocks with markup removed (one block per line). `None` when the message has no text
    /// (a file, a reaction-only update).
    pub fn text(&self) -> Option<Cow<'_, str>> {
        if let Some(text) = self.plain_text.as_deref().filter(|t| !t.is_empty()) {
            return Some(Cow::Borrowed(text));
        }
        let text = join_plain_text(&self.blocks);
        (!text.is_empty()).then_some(Cow::Owned(text))
    }

    /// Written by a bot, your own quick replies included: answer these and your bot talks to
    /// itself. `personType` is compared in any letter case (`"bot"`, `"Bot"`, `"BOT"`).
    pub fn is_from_bot(&self) -> bool {
        self.person_type.is(PersonType::Bot)
    }

    /// Written by a customer (`personType` in any letter case).
    pub fn is_from_user(&self) -> bool {
        self.person_type.is(PersonType::User)
    }

    /// Written by a member of the team (`personType` in any letter case).
    pub fn is_from_manager(&self) -> bool {
        self.person_type.is(PersonType::Manager)
    }

    /// Posted in a conversation with a customer.
    pub fn is_user_chat(&self) -> bool {
        self.chat_type == ChatType::UserChat
    }

    /// Posted in a team chat.
    pub fn is_team_chat(&self) -> bool {
        self.chat_type == ChatType::Group
    }
}

/// A button under a message: `{title, colorVariant?, action: {type, attributes}}` (v5), or the
/// older `{title, colorVariant?, url}`, which deliveries still carry.
///
/// [`Button::link`] builds the v5 form; [`Button::web_url`] reads the address from either.
///
/// ```
/// use channeltalk_webhook::model::Button;
///
/// let button = Button::link("Track", "https://shop.example/42").color("cobalt");
/// assert_eq!(
///     serde_json::to_value(&button)?,
///     serde_json::json!({"title": "Track", "colorVariant": "cobalt",
///         "action": {"type": "web", "attributes": {"url": "https://shop.example/42"}}})
/// );
/// assert_eq!(button.web_url(), Some("https://shop.example/42"));
///
/// let old: Button = serde_json::from_str(r#"{"title":"Docs","url":"https://e.com"}"#)?;
/// assert_eq!(old.web_url(), Some("https://e.com"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Button {
    /// The label.
    #[serde(default)]
    pub title: String,
    /// The color (`"cobalt"`, `"green"`, `"orange"`, `"red"`, `"black"`, `"pink"`, `"purple"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_variant: Option<String>,
    /// The link it opens, in the older (deprecated) form; v5 buttons carry it in `action`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What it does (v5): `{"type": "web", "attributes": {"url": …}}` for a link; other
    /// kinds (an app command, …) are kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Value>,
}

/// The v5 action type of a button that opens a web page.
const WEB_ACTION: &str = "web";

impl Button {
    /// A button that opens `url`, in the v5 form: `action` `{"type": "web", "attributes":
    /// {"url": …}}` (the older `url` field is deprecated, so it is not sent).
    pub fn link(title: impl Into<String>, url: impl Into<String>) -> Self {
        let action = serde_json::json!({"type": WEB_ACTION, "attributes": {"url": url.into()}});
        Button {
            title: title.into(),
            action: Some(action),
            ..Button::default()
        }
    }

    /// Sets the color variant (`"cobalt"`, `"green"`, `"orange"`, `"red"`, `"black"`, `"pink"`, `"purple"`).
    pub fn color(mut self, color_variant: impl Into<String>) -> Self {
        self.color_variant = Some(color_variant.into());
        self
    }

    /// The action's `type` (`"web"`, …), for a v5 button.
    pub fn action_type(&self) -> Option<&str> {
        self.action.as_ref()?.get("type")?.as_str()
    }

    /// The address the button opens: the `url` of a v5 `web` action, else the deprecated `url`.
    pub fn web_url(&self) -> Option<&str> {
        let from_action = self
            .action
            .as_ref()
            .filter(|_| self.action_type() == Some(WEB_ACTION))
            .and_then(|action| action.get("attributes")?.get("url")?.as_str());
        from_action.or(self.url.as_deref())
    }
}

/// A file attached to a message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct File {
    /// The file id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `"image"`, `"video"`, `"file"`, …
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Image or video width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Image or video height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// The storage bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// The storage key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// An emoji reaction on a message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Reaction {
    /// The emoji's shortcode name.
    #[serde(default)]
    pub emoji_name: String,
    /// Who reacted (`"{personType}-{personId}"`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub person_keys: Vec<String>,
}
