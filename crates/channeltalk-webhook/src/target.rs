//! [`ChatTarget`]: the chat an answer goes to, read from the event being answered.
//!
//! A quick reply needs no address: Channel posts it where the delivered message was. An answer
//! posted later through the Open API must name its chat, and the rule for finding it is easy
//! to get subtly wrong (a team-chat message inside a thread belongs to the thread, not to the
//! team chat). This module owns that rule, so that every bot and the API client agree on it.

use std::fmt;

use crate::event::{Entity, Event};
use crate::model::{ChatType, Message};

/// Where a message is posted: a user chat, a team chat (by id or by name) or a thread of a team
/// chat.
///
/// Read it from the event you are answering with [`Event::reply_target`] (or
/// [`Message::reply_target`]), or build one yourself to post somewhere else.
///
/// ```
/// use channeltalk_webhook::{ChatTarget, Event};
///
/// // A manager's message inside a thread of the team chat 1234:
/// let event = Event::parse(r#"{"event":"push","type":"message","entity":{
///     "id":"m2","channelId":"1","chatType":"group","chatId":"1234","chatKey":"group-1234",
///     "personType":"manager","personId":"7","createdAt":1600158433443,
///     "rootMessageId":"m1","threadKey":"thread-m1","plainText":"and staging?"}}"#)?;
/// assert_eq!(event.reply_target(), Some(ChatTarget::thread("1234", "m1")));
///
/// // Answers to a customer go to their user chat:
/// assert_eq!(ChatTarget::user_chat("c-2001").to_string(), "user chat c-2001");
/// # Ok::<(), channeltalk_webhook::ParseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ChatTarget {
    /// A conversation with a customer, by its id (a message's `chatId` when `chatType` is
    /// `userChat`).
    UserChat(String),
    /// A team chat, by its id (a message's `chatId` when `chatType` is `group`).
    Group(String),
    /// A team chat, by its name (without the leading `@`).
    GroupNamed(String),
    /// A thread of a team chat: the team chat's id and the id of the thread's root message.
    Thread {
        /// The team chat's id.
        group_id: String,
        /// The id of the message the thread hangs from.
        root_message_id: String,
        /// Also show the message in the team chat itself (`broadcast=true`); `false` when read
        /// from an event.
        broadcast: bool,
    },
}

impl ChatTarget {
    /// A user chat, by its id.
    pub fn user_chat(id: impl Into<String>) -> Self {
        ChatTarget::UserChat(id.into())
    }

    /// A team chat, by its id.
    pub fn group(id: impl Into<String>) -> Self {
        ChatTarget::Group(id.into())
    }

    /// A team chat, by its name; a leading `@` is dropped (`"@dev"` and `"dev"` are the same).
    pub fn group_named(name: impl Into<String>) -> Self {
        let name = name.into();
        match name.strip_prefix('@') {
            Some(bare) => ChatTarget::GroupNamed(bare.to_owned()),
            None => ChatTarget::GroupNamed(name),
        }
    }

    /// The thread hanging from `root_message_id` in the team chat `group_id` (not broadcast).
    pub fn thread(group_id: impl Into<String>, root_message_id: impl Into<String>) -> Self {
        ChatTarget::Thread {
            group_id: group_id.into(),
            root_message_id: root_message_id.into(),
            broadcast: false,
        }
    }

    /// For a thread, also shows the message in the team chat itself; other targets are
    /// returned unchanged.
    ///
    /// ```
    /// use channeltalk_webhook::ChatTarget;
    ///
    /// let target = ChatTarget::thread("1234", "m1").broadcast(true);
    /// assert!(matches!(target, ChatTarget::Thread { broadcast: true, .. }));
    /// assert_eq!(ChatTarget::group("1").broadcast(true), ChatTarget::group("1"));
    /// ```
    pub fn broadcast(mut self, on: bool) -> Self {
        if let ChatTarget::Thread { broadcast, .. } = &mut self {
            *broadcast = on;
        }
        self
    }

    /// Whether this is a conversation with a customer (as opposed to a team chat or thread).
    pub fn is_user_chat(&self) -> bool {
        matches!(self, ChatTarget::UserChat(_))
    }
}

impl fmt::Display for ChatTarget {
    /// `user chat ID`, `team chat ID`, `team chat @NAME`, `thread ROOT in team chat ID`: for
    /// logs and error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChatTarget::UserChat(id) => write!(f, "user chat {id}"),
            ChatTarget::Group(id) => write!(f, "team chat {id}"),
            ChatTarget::GroupNamed(name) => write!(f, "team chat @{name}"),
            ChatTarget::Thread {
                group_id,
                root_message_id,
                broadcast,
            } => {
                write!(f, "thread {root_message_id} in team chat {group_id}")?;
                if *broadcast {
                    f.write_str(" (also shown in the team chat)")?;
                }
                Ok(())
            }
        }
    }
}

impl Message {
    /// Where an answer to this message goes:
    ///
    /// - `chatType: "userChat"` → the user chat `chatId`;
    /// - `chatType: "group"` → the team chat `chatId`, or, for a message inside a thread (it
    ///   names its thread's root in `rootMessageId` and is not that root itself), that thread.
    ///
    /// `None` for a chat type this SDK does not know, or an empty `chatId`: there is no safe
    /// place to answer. A team-chat message that carries a `threadKey` but no `rootMessageId`
    /// is answered in the team chat, since the thread's root cannot be told from the key.
    ///
    /// ```
    /// use channeltalk_webhook::ChatTarget;
    /// use channeltalk_webhook::Event;
    ///
    /// let event = Event::parse(r#"{"type":"message","entity":{"id":"m1","channelId":"1",
    ///     "chatType":"userChat","chatId":"c1","chatKey":"userChat-c1","personType":"user",
    ///     "personId":"u1","createdAt":1,"plainText":"hi"}}"#)?;
    /// let message = event.message().expect("a message");
    /// assert_eq!(message.reply_target(), Some(ChatTarget::user_chat("c1")));
    /// # Ok::<(), channeltalk_webhook::ParseError>(())
    /// ```
    pub fn reply_target(&self) -> Option<ChatTarget> {
        if self.chat_id.is_empty() {
            return None;
        }
        match &self.chat_type {
            ChatType::UserChat => Some(ChatTarget::UserChat(self.chat_id.clone())),
            ChatType::Group => Some(match self.root_of_thread() {
                Some(root) => ChatTarget::thread(self.chat_id.as_str(), root),
                None => ChatTarget::Group(self.chat_id.clone()),
            }),
            ChatType::Other(_) => None,
        }
    }

    /// The id of the thread's root, for a message inside a thread (not the root itself).
    fn root_of_thread(&self) -> Option<&str> {
        let root = self
            .root_message_id
            .as_deref()
            .filter(|id| !id.is_empty())?;
        let is_the_root = self.is_thread_root() || root == self.id;
        (!is_the_root).then_some(root)
    }
}

impl Event {
    /// Where an answer to this event goes:
    ///
    /// - a message event → [`Message::reply_target`];
    /// - a user-chat event (a chat opened) → that user chat;
    /// - another event that carries the message in `refers.message` → that message's chat.
    ///
    /// `None` when the event names no chat (a customer's details changed, an unknown or
    /// drifted entity).
    ///
    /// ```
    /// use channeltalk_webhook::{ChatTarget, Event};
    ///
    /// let opened = Event::parse(r#"{"event":"push","type":"userChat","entity":{"id":"c-2001"}}"#)?;
    /// assert_eq!(opened.reply_target(), Some(ChatTarget::user_chat("c-2001")));
    /// let user = Event::parse(r#"{"event":"upsert","type":"user","entity":{"id":"u1"}}"#)?;
    /// assert_eq!(user.reply_target(), None);
    /// # Ok::<(), channeltalk_webhook::ParseError>(())
    /// ```
    pub fn reply_target(&self) -> Option<ChatTarget> {
        let from_entity = match self.entity() {
            Entity::Message(message) => return message.reply_target(),
            Entity::UserChat(chat) => chat
                .id
                .as_deref()
                .filter(|id| !id.is_empty())
                .map(ChatTarget::user_chat),
            _ => None,
        };
        from_entity.or_else(|| self.refers().message()?.reply_target())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::testing::SampleEvent;

    fn target_of(event: SampleEvent) -> Option<ChatTarget> {
        event.event().reply_target()
    }

    #[test]
    fn user_chat_messages_answer_in_their_user_chat() {
        assert_eq!(
            target_of(SampleEvent::user_message("hi")),
            Some(ChatTarget::user_chat("c-2001"))
        );
        assert_eq!(
            target_of(SampleEvent::manager_message("hi")),
            Some(ChatTarget::user_chat("c-2001"))
        );
    }

    #[test]
    fn team_chat_messages_answer_in_their_team_chat() {
        assert_eq!(
            target_of(SampleEvent::manager_message("deploy?").in_team_chat()),
            Some(ChatTarget::group("1234"))
        );
    }

    #[test]
    fn a_message_inside_a_thread_answers_in_the_thread() {
        let in_thread = SampleEvent::manager_message("and staging?")
            .in_team_chat()
            .with("/entity/rootMessageId", json!("root-1"))
            .with("/entity/threadKey", json!("thread-root-1"));
        assert_eq!(
            target_of(in_thread),
            Some(ChatTarget::thread("1234", "root-1"))
        );
    }

    #[test]
    fn a_thread_root_answers_in_the_team_chat() {
        let root = SampleEvent::manager_message("deploy?")
            .in_team_chat()
            .with("/entity/root", json!(true))
            .with("/entity/rootMessageId", json!("root-1"));
        assert_eq!(target_of(root), Some(ChatTarget::group("1234")));
        let names_itself = SampleEvent::manager_message("deploy?")
            .in_team_chat()
            .id("m-9")
            .with("/entity/rootMessageId", json!("m-9"));
        assert_eq!(target_of(names_itself), Some(ChatTarget::group("1234")));
    }

    #[test]
    fn a_thread_key_alone_or_an_empty_root_answers_in_the_team_chat() {
        let key_only = SampleEvent::manager_message("x")
            .in_team_chat()
            .with("/entity/threadKey", json!("thread-1"));
        assert_eq!(target_of(key_only), Some(ChatTarget::group("1234")));
        let empty_root = SampleEvent::manager_message("x")
            .in_team_chat()
            .with("/entity/rootMessageId", json!(""));
        assert_eq!(target_of(empty_root), Some(ChatTarget::group("1234")));
    }

    #[test]
    fn unknown_chat_types_and_empty_ids_have_no_target() {
        let unknown = SampleEvent::user_message("x").with("/entity/chatType", json!("directChat"));
        assert_eq!(target_of(unknown), None);
        let empty = SampleEvent::user_message("x").with("/entity/chatId", json!(""));
        assert_eq!(target_of(empty), None);
    }

    #[test]
    fn chat_events_and_refers_messages_have_targets() {
        assert_eq!(
            target_of(SampleEvent::user_chat_opened()),
            Some(ChatTarget::user_chat("c-2001"))
        );
        assert_eq!(target_of(SampleEvent::user_updated()), None);
        let message = SampleEvent::manager_message("x").in_team_chat().json()["entity"].clone();
        let with_refers = SampleEvent::from_json(json!({
            "event": "push", "type": "userChat", "entity": {"state": "opened"},
            "refers": {"message": message}
        }));
        assert_eq!(target_of(with_refers), Some(ChatTarget::group("1234")));
        let unknown = SampleEvent::from_json(json!({"type": "lead", "entity": {"id": "1"}}));
        assert_eq!(target_of(unknown), None);
    }

    #[test]
    fn group_names_drop_one_leading_at() {
        assert_eq!(
            ChatTarget::group_named("@dev"),
            ChatTarget::GroupNamed("dev".into())
        );
        assert_eq!(
            ChatTarget::group_named("dev"),
            ChatTarget::GroupNamed("dev".into())
        );
        assert_eq!(
            ChatTarget::group_named("@dev").to_string(),
            "team chat @dev"
        );
        assert_eq!(
            ChatTarget::thread("1", "m").to_string(),
            "thread m in team chat 1"
        );
        assert_eq!(
            ChatTarget::thread("1", "m").broadcast(true).to_string(),
            "thread m in team chat 1 (also shown in the team chat)"
        );
        assert!(ChatTarget::user_chat("c").is_user_chat());
        assert!(!ChatTarget::group("g").is_user_chat());
    }

    proptest! {
        /// Whatever the ids, a message is answered in its own chat, or in a thread of it.
        #[test]
        fn the_target_always_names_the_message_chat(
            chat_id in "[a-zA-Z0-9-]{1,12}",
            id in "[a-z0-9]{1,8}",
            root in proptest::option::of("[a-z0-9]{0,8}"),
            is_root in proptest::option::of(any::<bool>()),
            group in any::<bool>(),
        ) {
            let mut entity = json!({
                "id": id, "channelId": "1", "chatType": if group { "group" } else { "userChat" },
                "chatId": chat_id, "chatKey": "k", "personType": "manager", "personId": "7",
                "createdAt": 1, "plainText": "x"
            });
            if let Some(root) = &root {
                entity["rootMessageId"] = Value::from(root.as_str());
            }
            if let Some(is_root) = is_root {
                entity["root"] = Value::from(is_root);
            }
            let event = SampleEvent::from_json(json!({"type": "message", "entity": entity})).event();
            let target = event.reply_target().expect("a known chat type");
            match target {
                ChatTarget::UserChat(found) => prop_assert!(!group && found == chat_id),
                ChatTarget::Group(found) => prop_assert!(group && found == chat_id),
                ChatTarget::Thread { group_id, root_message_id, broadcast } => {
                    prop_assert!(!broadcast);
                    prop_assert!(group && group_id == chat_id);
                    prop_assert_eq!(Some(root_message_id.clone()), root);
                    prop_assert!(root_message_id != id && is_root != Some(true));
                }
                ChatTarget::GroupNamed(_) => prop_assert!(false, "never read from an event"),
            }
        }
    }
}
