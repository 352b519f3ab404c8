//! The answers of the Open API ("views"), built on the core's models.
//!
//! Every field is optional and every nested model is read tolerantly (see `lenient`): Channel
//! adds fields and changes shapes between API versions, and a call must not fail because one
//! part of its answer is unexpected. Fields the SDK does not model stay in `extra`.

use channeltalk_webhook::model::{Bot, Group, Manager, Message, Timestamp, User, UserChat};
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

/// A user chat with its user and last message: the answer about one user chat, and each
/// element of a list of user chats (joined from the list's `users` and `messages`).
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

/// A chat tag: a label the team puts on user chats (`ChatTag`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatTag {
    /// The tag id (what updates and deletions take).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Its name, as the desk shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its key, the name user chats carry in `tags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Its color (`red`, `orange`, `yellow`, `olive`, `green`, `cobalt`, `purple`, `pink`,
    /// `navy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_variant: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Everything else Channel sent (`followerIds`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An event of a user (`Event`): something the user did, recorded for segments and goals.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserEvent {
    /// The event id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Its name (`"OrderCompleted"`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its properties, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<Map<String, Value>>,
    /// When it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When Channel forgets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_at: Option<Timestamp>,
    /// Everything else Channel sent (`managed`, `version`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A team-chat thread: who takes part and how many replies it has (`message.MessageThread`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageThread {
    /// The thread id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The id of its root message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_message_id: Option<String>,
    /// Where it is (`group`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_type: Option<String>,
    /// The team chat it is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// The managers following it.
    #[serde(
        default,
        deserialize_with = "lenient::vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub manager_ids: Vec<String>,
    /// The managers who replied in it.
    #[serde(
        default,
        deserialize_with = "lenient::vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub replied_manager_ids: Vec<String>,
    /// How many replies it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_count: Option<u32>,
    /// Everything else Channel sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A thread of a team chat, with its root message (`ThreadRootMessageView`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ThreadView {
    /// The root message.
    #[serde(default, deserialize_with = "lenient::option")]
    pub message: Option<Message>,
    /// The thread.
    #[serde(default, deserialize_with = "lenient::option")]
    pub thread: Option<MessageThread>,
    /// The bot that wrote the root, if a bot did.
    #[serde(default, deserialize_with = "lenient::option")]
    pub bot: Option<Bot>,
    /// The managers taking part.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub managers: Vec<Manager>,
    /// Everything else Channel sent (`chat`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A signed link to a file of a message, valid for a short while (`shared.StringView`).
#[derive(Clone, Debug, Default, Deserialize)]
#[non_exhaustive]
pub struct SignedFileUrl {
    /// The link (Channel's `result`).
    #[serde(default, rename = "result")]
    pub url: Option<String>,
    /// Everything else Channel sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"<key>": object}` answers (`ChatTagView`, `BotView`, `EventView`), read leniently.
#[derive(Deserialize)]
pub(crate) struct ChatTagAnswer {
    #[serde(default, rename = "chatTag", deserialize_with = "lenient::option")]
    pub(crate) chat_tag: Option<ChatTag>,
}

#[derive(Deserialize)]
pub(crate) struct BotAnswer {
    #[serde(default, deserialize_with = "lenient::option")]
    pub(crate) bot: Option<Bot>,
}

#[derive(Deserialize)]
pub(crate) struct EventAnswer {
    #[serde(default, deserialize_with = "lenient::option")]
    pub(crate) event: Option<UserEvent>,
}

/// Joins each user chat of a list page with its user, its last message and its session,
/// found in the page's `users`, `messages` and `sessions`: one [`UserChatView`] per chat.
pub(crate) fn join_user_chats(chats: Vec<Value>, page: &Map<String, Value>) -> Vec<Value> {
    let list = |key: &str| page.get(key).and_then(Value::as_array);
    let find = |key: &str, field: &str, id: Option<&str>| -> Option<Value> {
        let id = id?;
        list(key)?
            .iter()
            .filter(|entry| entry.get(field).and_then(Value::as_str) == Some(id))
            .max_by_key(|entry| entry.get("createdAt").and_then(Value::as_i64))
            .cloned()
    };
    chats
        .into_iter()
        // A chat that does not fit the model is left out, as any list element is.
        .filter(|chat| lenient::element::<UserChat>(chat.clone()).is_some())
        .map(|chat| {
            let chat_id = chat.get("id").and_then(Value::as_str);
            let user_id = chat.get("userId").and_then(Value::as_str);
            let mut view = Map::new();
            if let Some(user) = find("users", "id", user_id) {
                view.insert("user".into(), user);
            }
            if let Some(message) = find("messages", "chatId", chat_id) {
                view.insert("message".into(), message);
            }
            if let Some(session) = find("sessions", "chatId", chat_id) {
                view.insert("session".into(), session);
            }
            view.insert("userChat".into(), chat);
            Value::Object(view)
        })
        .collect()
}

/// Tags in their first order, each once: Channel refuses a repeated tag.
pub(crate) fn unique_tags<I, T>(tags: I) -> Vec<String>
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    let mut unique: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.into();
        if !unique.contains(&tag) {
            unique.push(tag);
        }
    }
    unique
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

    #[test]
    fn user_chats_are_joined_with_their_user_last_message_and_session() {
        let page: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "users": [{"id": "u1", "name": "A"}, {"id": "u2", "name": "B"}],
            "messages": [
                {"chatId": "c1", "id": "m1", "createdAt": 5},
                {"chatId": "c1", "id": "m2", "createdAt": 9},
                {"chatId": "c2", "id": "m3", "createdAt": 1}
            ],
            "sessions": [{"chatId": "c2", "unread": 3}]
        }))
        .unwrap();
        let chats = vec![
            serde_json::json!({"id": "c1", "userId": "u2"}),
            serde_json::json!({"id": "c2", "userId": "u9"}),
            serde_json::json!({"id": 7}),
        ];
        let joined = join_user_chats(chats, &page);
        assert_eq!(joined.len(), 2, "a chat that does not fit is left out");
        assert_eq!(joined[0]["user"]["name"], "B");
        assert_eq!(joined[0]["message"]["id"], "m2", "the latest message");
        assert!(joined[0].get("session").is_none());
        assert!(joined[1].get("user").is_none());
        assert_eq!(joined[1]["session"]["unread"], 3);
        let view: UserChatView = serde_json::from_value(joined[1].clone()).unwrap();
        assert_eq!(view.user_chat.unwrap().id.as_deref(), Some("c2"));
        assert!(view.extra.contains_key("session"));
    }

    #[test]
    fn threads_tags_events_and_links_keep_what_they_do_not_model() {
        let thread: MessageThread =
            serde_json::from_str(r#"{"id":"t","replyCount":2,"managerIds":["1",2],"x":1}"#)
                .unwrap();
        assert_eq!(thread.reply_count, Some(2));
        assert_eq!(thread.manager_ids, ["1"]);
        assert!(thread.extra.contains_key("x"));
        let tag: ChatTag =
            serde_json::from_str(r#"{"id":"1","key":"k","colorVariant":"teal","followerIds":[]}"#)
                .unwrap();
        assert_eq!(tag.color_variant.as_deref(), Some("teal"));
        assert!(tag.extra.contains_key("followerIds"));
        let event: UserEvent =
            serde_json::from_str(r#"{"id":"e","property":{"a":1},"managed":true}"#).unwrap();
        assert_eq!(event.property.unwrap()["a"], 1);
        let link: SignedFileUrl = serde_json::from_str(r#"{"result":"https://x"}"#).unwrap();
        assert_eq!(link.url.as_deref(), Some("https://x"));
    }
}
