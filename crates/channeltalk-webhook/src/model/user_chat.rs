//! [`UserChat`]: a conversation with a customer.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::enums::{ChatDirection, MediumType, UserChatState};
use super::serde_util::null_as_default;
use super::timestamp::Timestamp;

/// A conversation with a customer (`"type":"userChat"`, also `refers.userChat`).
///
/// Every field is optional: the spec promises none of them.
///
/// ```
/// use channeltalk_webhook::model::{UserChat, UserChatState};
///
/// let chat: UserChat = serde_json::from_str(r#"{"id":"c1","state":"opened","firstAskedAt":5}"#)?;
/// assert_eq!(chat.state, Some(UserChatState::Opened));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserChat {
    /// The chat id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// The customer's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The team it is routed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// The manager it is assigned to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<String>,
    /// The managers following it.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub manager_ids: Vec<String>,
    /// Its tags.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    /// Its state (v5, newer and older values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UserChatState>,
    /// Its priority (`"low"`, `"medium"`, `"high"`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where it started (medium, page), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Value>,
    /// Chat profile fields, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Value>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When it was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// When it was last opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<Timestamp>,
    /// When it was first opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_opened_at: Option<Timestamp>,
    /// When the customer last asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_at: Option<Timestamp>,
    /// When the customer first asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_asked_at: Option<Timestamp>,
    /// When it was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
    /// The entity version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Whether the team handles it (v5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<bool>,
    /// Through which medium it reaches the team, as webhook deliveries say it (`mediumType`).
    /// The Open API's user-chat views do not carry it: they say
    /// [`contact_medium_type`](UserChat::contact_medium_type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium_type: Option<MediumType>,
    /// Through which medium the customer is reached (`contactMediumType`), as the Open API's
    /// user-chat views say it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_medium_type: Option<String>,
    /// Why it was missed, for a chat in the `missed` state (v5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed_reason: Option<String>,
    /// When the team first replied (v5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_replied_at: Option<Timestamp>,
    /// Who started it, as webhook deliveries say it (`direction`); the Open API's user-chat
    /// views do not carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<ChatDirection>,
    /// Who handles it and how, kept as JSON: an object in v5, a string in v4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handling: Option<Value>,
    /// How the title under the chat's name is chosen (`description`, `incoming`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtext_type: Option<String>,
    /// The call this chat belongs to, for phone chats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_meet_id: Option<String>,
    /// The goal event the chat is measured against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_event_name: Option<String>,
    /// Whether the goal was reached (`achieved`, `notAchieved`, `waiting`, `none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_state: Option<String>,
    /// When it was last queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<Timestamp>,
    /// When it was first queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_queued_at: Option<Timestamp>,
    /// When it was snoozed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snoozed_at: Option<Timestamp>,
    /// When it expires (a snooze ends, a closed chat is removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// When it was missed, for a chat in the `missed` state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed_at: Option<Timestamp>,
    /// The customer's last message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_last_message_id: Option<String>,
    /// The last message shown to the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub front_message_id: Option<String>,
    /// The last message shown in the desk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desk_message_id: Option<String>,
    /// When the team first replied after it was last opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_replied_at_after_open: Option<Timestamp>,
    /// Whether it was solved without being handed on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_stop: Option<bool>,
    /// How long the customer waited for the first answer, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_time: Option<i64>,
    /// The average time to answer, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avg_reply_time: Option<i64>,
    /// How many times the team answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_count: Option<i64>,
    /// How long it took to close, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_time: Option<i64>,
}

impl UserChat {
    /// Whether a message written at `created_at` is the customer's first question in this chat
    /// (its `createdAt` equals the chat's `firstAskedAt`), the way real bots detect a new inquiry.
    pub fn is_first_question(&self, created_at: Timestamp) -> bool {
        self.first_asked_at == Some(created_at)
    }
}
