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
    /// Whether this is a thread root, under the older key `root` that webhook deliveries
    /// carry. The Open API's messages say it as `thread_root`;
    /// [`Message::is_thread_root`] reads either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<bool>,
    /// Whether this is a thread root (`threadRoot`, as the Open API's messages say it).
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub thread_root: Option<bool>,
    /// Whether this message was posted in a thread (`threadMsg`).
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub thread_msg: Option<bool>,
    /// Whether this thread message is also shown in the chat (`broadcastedMsg`).
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub broadcasted_msg: Option<bool>,
    /// The preview of a web page the message links to; kept as sent when it does not fit
    /// the `WebPage` model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_page: Option<Element<WebPage>>,
    /// A form the message asks the customer to fill in; kept as sent when it does not fit
    /// the `Form` model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Element<Form>>,
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

    /// Whether this is the root of a thread: `threadRoot` (the Open API's key) or, when that is
    /// absent, `root` (the older key webhook deliveries carry).
    ///
    /// ```
    /// use channeltalk_webhook::model::Message;
    ///
    /// let base = r#""id":"m1","channelId":"1","chatType":"group","chatId":"g","chatKey":"group-g",
    ///     "personType":"manager","personId":"p","createdAt":1"#;
    /// let from_api: Message = serde_json::from_str(&format!("{{{base},\"threadRoot\":true}}"))?;
    /// let delivered: Message = serde_json::from_str(&format!("{{{base},\"root\":true}}"))?;
    /// assert!(from_api.is_thread_root() && delivered.is_thread_root());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn is_thread_root(&self) -> bool {
        self.thread_root.or(self.root) == Some(true)
    }
}

/// A flag read tolerantly: `true` or `false`, and `None` for `null` or any other value, so a
/// field the scanning of deliveries does not know can never make a message fail to parse.
fn lenient_bool<'de, D>(deserializer: D) -> Result<Option<bool>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(Option::<Value>::deserialize(deserializer)?.and_then(|value| value.as_bool()))
}

/// A button under a message: `{title, colorVariant?, action: {type, attributes}}` (v5), or the
/// older `{title, colorVariant?, url}`, which deliveries still carry.
///
/// [`Button::link`] builds the v5 form; [`Button::web_url`] reads the address from either.
/// Channel requires a title and an action on every button it is sent: a message holding a
/// button without either is refused before it goes out
/// ([`OutgoingMessage::check`](crate::model::OutgoingMessage::check)).
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
    /// The colors Channel accepts in `colorVariant`.
    pub const COLOR_VARIANTS: [&'static str; 7] = [
        "cobalt", "green", "orange", "red", "black", "pink", "purple",
    ];

    /// A button that runs `action` (`{"type": …, "attributes": {…}}`), for action kinds other
    /// than a web link (use [`Button::link`] for those). Channel requires both a title and an
    /// action: [`OutgoingMessage::check`](crate::model::OutgoingMessage::check) refuses a
    /// button without either.
    pub fn with_action(title: impl Into<String>, action: Value) -> Self {
        Button {
            title: title.into(),
            action: Some(action),
            ..Button::default()
        }
    }

    /// What Channel's schema would refuse in this button, to be posted: an empty title, no
    /// action (the deprecated `url` alone is not enough), an action without a `type`, a web
    /// action without its `url`, or a color that is not one of [`Button::COLOR_VARIANTS`].
    pub(crate) fn problem(&self) -> Option<&'static str> {
        if self.title.trim().is_empty() {
            return Some("a button needs a title");
        }
        let Some(action) = self.action.as_ref() else {
            return Some("a button needs an action (Button::link makes a web link)");
        };
        if !action.is_object() || self.action_type().is_none_or(str::is_empty) {
            return Some("a button's action needs a type");
        }
        if self.action_type() == Some(WEB_ACTION)
            && action
                .pointer("/attributes/url")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            return Some("a web action needs attributes.url");
        }
        if self
            .color_variant
            .as_deref()
            .is_some_and(|color| !Self::COLOR_VARIANTS.contains(&color))
        {
            return Some("colorVariant is not one of Channel's button colors");
        }
        None
    }

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
    /// The storage key (what the Open API's file links take as `key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Length in seconds, for audio and video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// The EXIF orientation of an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<i32>,
    /// Whether an image is animated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub animated: Option<bool>,
    /// The storage key of its preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_key: Option<String>,
}

impl File {
    /// A file already uploaded to Channel's storage, to attach to a message: the fields
    /// Channel requires (`id`, `name`, `size`, `bucket`, `key`).
    pub fn uploaded(
        id: impl Into<String>,
        name: impl Into<String>,
        size: u64,
        bucket: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        File {
            id: Some(id.into()),
            name: Some(name.into()),
            size: Some(size),
            bucket: Some(bucket.into()),
            key: Some(key.into()),
            ..File::default()
        }
    }

    /// What Channel's schema would refuse in this file, to be posted: one of its required
    /// fields missing or empty.
    pub(crate) fn problem(&self) -> Option<&'static str> {
        let missing = |field: &Option<String>| field.as_deref().is_none_or(str::is_empty);
        if missing(&self.id) || missing(&self.name) || missing(&self.bucket) || missing(&self.key) {
            return Some("a file needs its id, name, bucket and key");
        }
        self.size
            .is_none()
            .then_some("a file needs its size in bytes")
    }
}

/// The preview of a web page a message links to (`webPage`).
///
/// ```
/// use channeltalk_webhook::model::Message;
///
/// let message: Message = serde_json::from_str(r#"{"id":"m1","channelId":"1","chatType":"userChat",
///     "chatId":"c","chatKey":"userChat-c","personType":"bot","personId":"b","createdAt":1,
///     "webPage":{"id":"wp1","url":"https://shop.example","title":"Shop"}}"#)?;
/// let page = message.web_page.as_ref().and_then(|page| page.known()).expect("a web page");
/// assert_eq!(page.title.as_deref(), Some("Shop"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebPage {
    /// Its id (required to post one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its address (required to post one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its preview image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Its video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    /// Who published it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Who wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The preview's width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// The preview's height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// The storage bucket of the preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// The storage key of the preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_key: Option<String>,
    /// The site's logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// The site's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl WebPage {
    /// A web page with the fields Channel requires to post one.
    pub fn new(id: impl Into<String>, url: impl Into<String>) -> Self {
        WebPage {
            id: Some(id.into()),
            url: Some(url.into()),
            ..WebPage::default()
        }
    }

    /// What Channel's schema would refuse in this page, to be posted.
    pub(crate) fn problem(&self) -> Option<&'static str> {
        let missing = |field: &Option<String>| field.as_deref().is_none_or(str::is_empty);
        (missing(&self.id) || missing(&self.url)).then_some("a web page needs its id and url")
    }
}

/// A form in a message (`form`): inputs the customer fills in. Its `type` says which kind
/// (Channel's descriptions name custom, call and follow-up forms).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Form {
    /// The kind of form (required to post one).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Its inputs; an entry that does not fit is kept as [`Element::Unknown`].
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub inputs: Vec<Element<FormInput>>,
    /// When the customer submitted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<Timestamp>,
    /// The message that triggered a follow-up form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_message_id: Option<String>,
}

impl Form {
    /// A form of this kind with these inputs.
    pub fn new(kind: impl Into<String>, inputs: impl IntoIterator<Item = FormInput>) -> Self {
        Form {
            kind: Some(kind.into()),
            inputs: inputs.into_iter().map(Element::Known).collect(),
            ..Form::default()
        }
    }

    /// What Channel's schema would refuse in this form, to be posted.
    pub(crate) fn problem(&self) -> Option<&'static str> {
        self.kind
            .as_deref()
            .is_none_or(str::is_empty)
            .then_some("a form needs its type")
    }
}

/// One input of a form (`Form`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FormInput {
    /// The kind of input (`text`, `number`, `bool`, `date`, `datetime`, `radio`,
    /// `singleSelect`, `checkbox`, `multiSelect`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Its label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The value entered, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Whether it can no longer be changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// The type of its value (`string`, `number`, `boolean`, `date`, `datetime`, `list`,
    /// `listOfNumber`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// The profile field the value is saved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding_key: Option<String>,
    /// Whether the binding key names a field of the user chat's profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_chat_profile_binding_key: Option<bool>,
    /// Whether the binding key names a field of the user's profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_profile_binding_key: Option<bool>,
}

impl FormInput {
    /// An input of this kind with this label.
    pub fn new(kind: impl Into<String>, label: impl Into<String>) -> Self {
        FormInput {
            kind: Some(kind.into()),
            label: Some(label.into()),
            ..FormInput::default()
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(extra: Value) -> Result<Message, serde_json::Error> {
        let mut body = json!({"id": "m1", "channelId": "1", "chatType": "group", "chatId": "g",
            "chatKey": "group-g", "personType": "manager", "personId": "p", "createdAt": 1});
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        serde_json::from_value(body)
    }

    #[test]
    fn a_thread_root_is_read_under_either_key() {
        let api = message(json!({"threadRoot": true, "threadMsg": false})).unwrap();
        assert_eq!(api.thread_root, Some(true));
        assert_eq!(api.root, None);
        assert!(api.is_thread_root());
        let delivered = message(json!({"root": true})).unwrap();
        assert!(delivered.is_thread_root());
        let both = message(json!({"root": true, "threadRoot": false})).unwrap();
        assert!(!both.is_thread_root(), "threadRoot, the current key, wins");
        let reply = message(json!({"threadMsg": true, "broadcastedMsg": true,
                                   "rootMessageId": "r"}))
        .unwrap();
        assert!(!reply.is_thread_root());
        assert_eq!(
            (reply.thread_msg, reply.broadcasted_msg),
            (Some(true), Some(true))
        );
        assert_eq!(
            serde_json::to_value(&api).unwrap()["threadRoot"],
            json!(true)
        );
    }

    #[test]
    fn the_new_fields_never_make_a_message_fail() {
        // The delivery's scan does not know these fields, so any value must type.
        for odd in [
            json!({"threadRoot": "yes", "threadMsg": 1, "broadcastedMsg": {"a": []}}),
            json!({"webPage": 5, "form": "x"}),
            json!({"webPage": {"id": 7}, "form": {"type": ["custom"]}}),
            json!({"webPage": null, "form": null, "threadRoot": null}),
        ] {
            let message = message(odd.clone()).unwrap_or_else(|e| panic!("{odd}: {e}"));
            assert!(!message.is_thread_root());
            assert!(message.web_page.as_ref().is_none_or(Element::is_unknown));
            assert!(message.form.as_ref().is_none_or(Element::is_unknown));
        }
    }

    #[test]
    fn web_pages_forms_and_files_are_typed() {
        let message = message(json!({
            "webPage": {"id": "wp1", "url": "https://shop.example/42", "title": "Order 42",
                        "imageUrl": "https://cdn.example/42.png", "width": 640, "height": 480},
            "form": {"type": "custom", "submittedAt": 1_700_000_000_000_i64,
                     "inputs": [{"type": "text", "label": "Order", "value": "42",
                                 "bindingKey": "orderId", "dataType": "string"}, 3]},
            "files": [{"id": "f", "type": "video", "name": "a.mp4", "size": 10, "duration": 1.5,
                       "bucket": "bin", "key": "k", "previewKey": "p", "animated": false}]
        }))
        .unwrap();
        let page = message.web_page.as_ref().and_then(Element::known).unwrap();
        assert_eq!(page.url.as_deref(), Some("https://shop.example/42"));
        assert_eq!(page.width, Some(640));
        let form = message.form.as_ref().and_then(Element::known).unwrap();
        assert_eq!(form.kind.as_deref(), Some("custom"));
        assert_eq!(form.inputs[0].known().unwrap().value, Some(json!("42")));
        assert!(form.inputs[1].is_unknown());
        let file = message.files[0].known().unwrap();
        assert_eq!(file.duration, Some(1.5));
        assert_eq!(file.preview_key.as_deref(), Some("p"));
    }
}
