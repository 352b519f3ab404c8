//! [`SendMessage`]: a message to post later through the Open API, to a [`ChatTarget`] (the
//! core's type, which also reads the target from an event).
//!
//! The body is the core's [`OutgoingMessage`], the same one a quick reply carries, so a bot
//! that moves an answer from the webhook's response to a later send changes nothing but the
//! call. The bot name goes to `?botName=`; the `requestId` that lets Channel drop a repeated
//! send is made once per [`SendMessage`] and reused on every retry.

use channeltalk_webhook::model::OutgoingMessage;
use channeltalk_webhook::{BotName, QuickReply};
use http::Method;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::client::{ApiResponse, Client, Request, segment};
use crate::error::ApiError;
use crate::models::MessageView;

pub use channeltalk_webhook::ChatTarget;

/// The message path for `target`, and its template for logs.
pub(crate) fn messages_path(target: &ChatTarget) -> (String, &'static str) {
    match target {
        ChatTarget::UserChat(id) => (
            format!("/open/v5/user-chats/{}/messages", segment(id)),
            "/open/v5/user-chats/{userChatId}/messages",
        ),
        ChatTarget::Group(id) => (
            format!("/open/v5/groups/{}/messages", segment(id)),
            "/open/v5/groups/{groupId}/messages",
        ),
        ChatTarget::GroupNamed(name) => (
            format!("/open/v5/groups/@{}/messages", segment(name)),
            "/open/v5/groups/@{groupName}/messages",
        ),
        ChatTarget::Thread {
            group_id,
            root_message_id,
            ..
        } => (
            format!(
                "/open/v5/groups/{}/threads/{}/messages",
                segment(group_id),
                segment(root_message_id)
            ),
            "/open/v5/groups/{groupId}/threads/{messageId}/messages",
        ),
    }
}

/// One logical message send: target, body, bot name and `requestId`.
///
/// ```
/// use channeltalk_api::{ChatTarget, SendMessage};
/// use channeltalk_webhook::{BotName, model::OutgoingMessage, rich_text::RichText};
///
/// let send = SendMessage::new(
///     ChatTarget::group_named("dev"),
///     OutgoingMessage::new().text(RichText::new().bold("deploy").text(" done")),
/// )
/// .bot_name(BotName::from_static("DeployBot"))
/// .with_request_id("deploy-4711");
/// assert_eq!(send.request_id(), "deploy-4711");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SendMessage {
    target: ChatTarget,
    message: OutgoingMessage,
    bot_name: Option<BotName>,
    request_id: String,
}

impl SendMessage {
    /// A send of `message` (an [`OutgoingMessage`], or text: escaped into one block) to
    /// `target`, with a fresh random `requestId`.
    pub fn new(target: ChatTarget, message: impl Into<OutgoingMessage>) -> Self {
        SendMessage {
            target,
            message: message.into(),
            bot_name: None,
            request_id: new_request_id(),
        }
    }

    /// The same message a quick reply would have posted, with its bot name, sent to `target`.
    pub fn from_quick_reply(target: ChatTarget, reply: QuickReply) -> Self {
        let (bot_name, message) = reply.into_parts();
        SendMessage {
            bot_name,
            ..SendMessage::new(target, message)
        }
    }

    /// Shows the message as written by this bot (`?botName=`).
    pub fn bot_name(mut self, name: BotName) -> Self {
        self.bot_name = Some(name);
        self
    }

    /// Uses this `requestId` instead of a random one (an id of your own work item makes a
    /// send safe to repeat even across restarts).
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = id.into();
        self
    }

    /// The target.
    pub fn target(&self) -> &ChatTarget {
        &self.target
    }

    /// The message body.
    pub fn message(&self) -> &OutgoingMessage {
        &self.message
    }

    /// The `requestId` every attempt carries.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }
}

/// `message.OpenMessageCreateRequest`: the message fields and `requestId`.
struct Body<'a>(&'a SendMessage);

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.0.message.serialize_fields(&mut map)?;
        map.serialize_entry("requestId", &self.0.request_id)?;
        map.end()
    }
}

/// 16 random bytes as hex (a clock-derived fallback if the OS cannot give randomness).
fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (nanos ^ u128::from(fastrand::u64(..))).to_le_bytes();
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl Client {
    /// Posts a message. Retries (bounded, per the client's [`RetryPolicy`](crate::RetryPolicy))
    /// carry the same `requestId`, so Channel can drop a repeat.
    pub async fn send(&self, send: SendMessage) -> Result<ApiResponse<MessageView>, ApiError> {
        send.message.check()?;
        let (path, template) = messages_path(&send.target);
        let mut request = Request::new(Method::POST, template, path)
            .json(&Body(&send))
            .repeatable(true);
        if let Some(name) = &send.bot_name {
            request = request.query("botName", name.as_str());
        }
        if let ChatTarget::Thread {
            broadcast: true, ..
        } = send.target
        {
            request = request.query("broadcast", "true");
        }
        self.call(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_fresh_per_send_and_kept_by_clones() {
        let first = SendMessage::new(ChatTarget::user_chat("1"), "a");
        let second = SendMessage::new(ChatTarget::user_chat("1"), "a");
        assert_ne!(first.request_id, second.request_id);
        assert_eq!(first.request_id.len(), 32);
        assert_eq!(first.clone().request_id, first.request_id);
    }

    #[test]
    fn the_body_is_the_quick_reply_body_plus_the_request_id() {
        let reply = QuickReply::new()
            .bot_name("상담봇")
            .unwrap()
            .text("<hi>")
            .option("silent");
        let send = SendMessage::from_quick_reply(ChatTarget::group("9"), reply.clone())
            .with_request_id("r1");
        assert_eq!(send.bot_name.as_ref().map(BotName::as_str), Some("상담봇"));
        let mut expected: serde_json::Value = serde_json::from_slice(&reply.to_body()).unwrap();
        expected["requestId"] = "r1".into();
        assert_eq!(serde_json::to_value(Body(&send)).unwrap(), expected);
    }

    #[test]
    fn paths_encode_ids_and_names() {
        assert_eq!(
            messages_path(&ChatTarget::group_named("dev ops")).0,
            "/open/v5/groups/@dev%20ops/messages"
        );
        assert_eq!(
            messages_path(&ChatTarget::thread("g", "m/1")).0,
            "/open/v5/groups/g/threads/m%2F1/messages"
        );
    }
}
