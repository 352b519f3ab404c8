//! The answers of the Open API ("views"), built on the core's models.
//!
//! Every field is optional and every nested model is read tolerantly (see `lenient`): Channel
//! adds fields and changes shapes between API versions, and a call must not fail because one
//! part of its answer is unexpected. Fields the SDK does not model stay in `extra`.

use channeltalk_webhook::model::{Bot, Group, Manager, Message, User, UserChat};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lenient;

/// The answer to a message send: the posted message, and the bot or user it is shown from.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageView {
    /// The message as Channel stored it.
    #[serde(default, deserialize_with = "lenient::option")]
    pub message: Option<Message>,
    /// The bot it is shown from.
    #[serde(default, deserialize_with = "lenient::option")]
    pub bot: Option<Bot>,
    /// The user, for messages posted as a user.
    #[serde(default, deserialize_with = "lenient::option")]
    pub user: Option<User>,
    /// Everything else Channel sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A user chat with its user and last message.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserChatView {
    /// The chat.
    #[serde(default, deserialize_with = "lenient::option")]
    pub user_chat: Option<UserChat>,
    /// The customer.
    #[serde(default, deserialize_with = "lenient::option")]
    pub user: Option<User>,
    /// The last message.
    #[serde(default, deserialize_with = "lenient::option")]
    pub message: Option<Message>,
    /// Everything else Channel sent (`chatTags`, `session`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A user.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserView {
    /// The user.
    #[serde(default, deserialize_with = "lenient::option")]
    pub user: Option<User>,
    /// Everything else Channel sent (`online`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A manager.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ManagerView {
    /// The manager.
    #[serde(default, deserialize_with = "lenient::option")]
    pub manager: Option<Manager>,
    /// Everything else Channel sent (`online`, `operatorStatus`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A team chat with its members.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GroupView {
    /// The team chat.
    #[serde(default, deserialize_with = "lenient::option")]
    pub group: Option<Group>,
    /// Its managers.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub managers: Vec<Manager>,
    /// Everything else Channel sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The channel (workspace) the credentials belong to.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Channel {
    /// The channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The name its bot messages show by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_name: Option<String>,
    /// Its time zone (`Asia/Seoul`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Everything else Channel sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer to `GET /channel`.
#[derive(Clone, Debug, Default, Deserialize)]
#[non_exhaustive]
pub struct ChannelView {
    /// The channel.
    #[serde(default, deserialize_with = "lenient::option")]
    pub channel: Option<Channel>,
    /// Everything else Channel sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_survive_odd_shapes() {
        let view: UserChatView = serde_json::from_str(
            r#"{"userChat":{"id":"c1","handling":{"type":"bot"},"state":"missed"},"message":{"id":1},"chatTags":[]}"#,
        )
        .unwrap();
        assert_eq!(view.user_chat.unwrap().id.as_deref(), Some("c1"));
        assert!(view.message.is_none());
        assert!(view.extra.contains_key("chatTags"));
    }
}
