//! [`SendMessage`]: a message to post through Channel's Open API, to a [`ChatTarget`], with the
//! `requestId` that makes a repeated post safe.
//!
//! The body is the same [`OutgoingMessage`] a quick reply carries, so a bot that moves an
//! answer from the webhook's response to a later post changes nothing but the call. It lives in
//! the core, beside the quick reply, because more than the API client builds it: a deferred
//! job derives its `requestId` from the message it answers, so that every attempt, on every
//! replica, posts under one id and Channel drops the repeats.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::model::{MessageError, OutgoingMessage};
use crate::reply::{BotName, QuickReply};
use crate::target::ChatTarget;

/// One logical message post: target, body, bot name and `requestId`.
///
/// The API client (`channeltalk_api::Client::send`) posts it; every retry carries the same
/// `requestId`.
///
/// ```
/// use channeltalk_webhook::{BotName, ChatTarget, SendMessage};
/// use channeltalk_webhook::{model::OutgoingMessage, rich_text::RichText};
///
/// let send = SendMessage::new(
///     ChatTarget::group_named("dev"),
///     OutgoingMessage::new().text(RichText::new().bold("deploy").text(" done")),
/// )
/// .bot_name(BotName::from_static("DeployBot"))
/// .request_id("deploy-4711");
/// assert_eq!(send.request_id, "deploy-4711");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SendMessage {
    /// Where it goes.
    pub target: ChatTarget,
    /// The message.
    pub message: OutgoingMessage,
    /// The bot it is shown from (`?botName=`); the channel when `None`.
    pub bot_name: Option<BotName>,
    /// The `requestId` every attempt carries.
    pub request_id: String,
}

impl SendMessage {
    /// A post of `message` (an [`OutgoingMessage`], or text: escaped into one block) to
    /// `target`, with a fresh random `requestId`.
    pub fn new(target: ChatTarget, message: impl Into<OutgoingMessage>) -> Self {
        SendMessage {
            target,
            message: message.into(),
            bot_name: None,
            request_id: random_request_id(),
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
    /// post safe to repeat even across restarts).
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = id.into();
        self
    }

    /// Checks the limits Channel enforces on the message (see [`OutgoingMessage::check`]).
    pub fn check(&self) -> Result<(), MessageError> {
        self.message.check()
    }

    /// The JSON body of the post (`message.OpenMessageCreateRequest`): the message's fields
    /// and `requestId`.
    ///
    /// ```
    /// use channeltalk_webhook::{ChatTarget, SendMessage};
    ///
    /// let send = SendMessage::new(ChatTarget::user_chat("c1"), "hi <3").request_id("r1");
    /// let body = serde_json::to_string(&send.request_body())?;
    /// assert_eq!(body, r#"{"blocks":[{"type":"text","value":"hi &lt;3"}],"requestId":"r1"}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn request_body(&self) -> impl Serialize + '_ {
        RequestBody(self)
    }
}

/// `message.OpenMessageCreateRequest`: the message fields and `requestId`.
struct RequestBody<'a>(&'a SendMessage);

impl Serialize for RequestBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.0.message.serialize_fields(&mut map)?;
        map.serialize_entry("requestId", &self.0.request_id)?;
        map.end()
    }
}

/// 16 random bytes as hex; if the operating system cannot give randomness, the clock and a
/// process-wide counter (unique in this process, which is what a fresh id needs).
fn random_request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let count = u128::from(COUNTER.fetch_add(1, Ordering::Relaxed));
        bytes = (nanos ^ (count << 64)).to_le_bytes();
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
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
            .bot_name(BotName::from_static("상담봇"))
            .text("<hi>")
            .option("silent");
        let send =
            SendMessage::from_quick_reply(ChatTarget::group("9"), reply.clone()).request_id("r1");
        assert_eq!(send.bot_name.as_ref().map(BotName::as_str), Some("상담봇"));
        let mut expected: serde_json::Value = serde_json::from_slice(&reply.to_body()).unwrap();
        expected["requestId"] = "r1".into();
        assert_eq!(serde_json::to_value(send.request_body()).unwrap(), expected);
    }
}
