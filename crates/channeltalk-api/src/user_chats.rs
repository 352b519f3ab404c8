//! User chats beyond the one at hand: listing them by state or by user, opening a chat to
//! reach a user first, and the rest of a chat's life (open, snooze, tags and description,
//! removal).
//!
//! A bot answering webhooks knows one chat at a time. These calls serve the other jobs bots
//! are given: sweep the opened chats that wait too long, follow up with a customer before they
//! write, snooze a chat until an order ships, tag a chat by what it is about.

use std::time::Duration;

use channeltalk_webhook::BotName;
use http::Method;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::ApiError;
use crate::models::{UserChatView, join_user_chats, unique_tags};
use crate::page::{Pages, SortOrder};
use crate::response::ApiResponse;
use crate::transport::{Request, segment};

/// Which user chats [`Client::user_chats`] lists (its `state`): the states Channel's list
/// accepts, and no other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserChatStateFilter {
    /// Open chats (Channel's default).
    #[default]
    Opened,
    /// Snoozed chats.
    Snoozed,
    /// Chats waiting in the queue.
    Queued,
    /// Closed chats.
    Closed,
    /// Chats created before the customer's first message.
    Initial,
    /// Chats closed without an answer from the team.
    Missed,
}

impl UserChatStateFilter {
    /// The value sent as `state`.
    pub fn as_str(self) -> &'static str {
        match self {
            UserChatStateFilter::Opened => "opened",
            UserChatStateFilter::Snoozed => "snoozed",
            UserChatStateFilter::Queued => "queued",
            UserChatStateFilter::Closed => "closed",
            UserChatStateFilter::Initial => "initial",
            UserChatStateFilter::Missed => "missed",
        }
    }
}

/// The most tags a user chat holds.
pub const MAX_USER_CHAT_TAGS: usize = 8;

/// The changes [`Client::update_user_chat`] makes to a user chat: its tags, its description,
/// its profile fields. Only what is set is sent.
///
/// ```
/// use channeltalk_api::UserChatUpdate;
///
/// let update = UserChatUpdate::new()
///     .tags(["refund", "vip", "refund"])
///     .description("waits for the courier");
/// assert_eq!(
///     serde_json::to_value(&update)?,
///     serde_json::json!({"tags": ["refund", "vip"], "description": "waits for the courier"})
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserChatUpdate {
    /// The tags (chat tag keys), each once; at most 8, which Channel enforces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Profile fields of the chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Map<String, Value>>,
}

impl UserChatUpdate {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the chat's tags (chat tag keys); a repeated tag is sent once. Channel keeps at
    /// most [`MAX_USER_CHAT_TAGS`] and refuses more (422).
    pub fn tags<I, T>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.tags = Some(unique_tags(tags));
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets one profile field of the chat.
    pub fn profile(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.profile
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }
}

/// A duration as ISO 8601 (`PT23H50M`), the form `snooze` takes.
pub(crate) fn iso_duration(duration: Duration) -> String {
    let total = duration.as_secs();
    let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60);
    let mut text = String::from("PT");
    if hours > 0 {
        text.push_str(&format!("{hours}H"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}M"));
    }
    if seconds > 0 || total == 0 {
        text.push_str(&format!("{seconds}S"));
    }
    text
}

impl Client {
    /// `GET /open/v5/user-chats`: the channel's user chats in one state, page by page, each
    /// with its user and last message.
    ///
    /// ```no_run
    /// use channeltalk_api::{Client, SortOrder, UserChatStateFilter};
    /// use futures_util::StreamExt;
    ///
    /// # async fn run(client: Client) -> Result<(), channeltalk_api::ApiError> {
    /// let mut waiting = Box::pin(
    ///     client.user_chats(UserChatStateFilter::Opened, SortOrder::Asc).limit(100).into_stream(),
    /// );
    /// while let Some(chat) = waiting.next().await {
    ///     let chat = chat?;
    ///     println!("{:?} from {:?}", chat.user_chat.map(|c| c.id), chat.user.map(|u| u.name));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn user_chats(&self, state: UserChatStateFilter, order: SortOrder) -> Pages<UserChatView> {
        Pages::new(
            self,
            "/open/v5/user-chats",
            "/open/v5/user-chats".to_owned(),
            "userChats",
        )
        .with_query("state", state.as_str())
        .with_query("sortOrder", order.as_str())
        .joined(join_user_chats)
    }

    /// `GET /open/v5/users/{userId}/user-chats`: one user's chats, page by page, each with its
    /// last message.
    pub fn user_chats_of_user(&self, user_id: &str, order: SortOrder) -> Pages<UserChatView> {
        Pages::new(
            self,
            "/open/v5/users/{userId}/user-chats",
            format!("/open/v5/users/{}/user-chats", segment(user_id)),
            "userChats",
        )
        .with_query("sortOrder", order.as_str())
        .joined(join_user_chats)
    }

    /// `POST /open/v5/users/{userId}/user-chats`: opens a new chat with a user, to reach them
    /// before they write; post into it with [`Client::send`] and
    /// [`ChatTarget::user_chat`](crate::ChatTarget::user_chat).
    ///
    /// Not repeated after a timeout or a 5xx (a repeat could open a second chat): on such an
    /// error, look for the chat with [`Client::user_chats_of_user`] before trying again.
    pub async fn create_user_chat(
        &self,
        user_id: &str,
    ) -> Result<ApiResponse<UserChatView>, ApiError> {
        let request = Request::new(
            Method::POST,
            "/open/v5/users/{userId}/user-chats",
            format!("/open/v5/users/{}/user-chats", segment(user_id)),
        );
        self.call(request).await
    }

    /// `PUT /open/v5/user-chats/{userChatId}/open`: opens the chat (again), announced as `bot`.
    pub async fn open_user_chat(
        &self,
        user_chat_id: &str,
        bot: &BotName,
    ) -> Result<ApiResponse<UserChatView>, ApiError> {
        let request = Request::new(
            Method::PUT,
            "/open/v5/user-chats/{userChatId}/open",
            format!("/open/v5/user-chats/{}/open", segment(user_chat_id)),
        )
        .query("botName", bot.as_str());
        self.call(request).await
    }

    /// `PUT /open/v5/user-chats/{userChatId}/snooze`: snoozes the chat for `duration` (sent in
    /// whole seconds as ISO 8601, `PT23H50M`), announced as `bot`.
    pub async fn snooze_user_chat(
        &self,
        user_chat_id: &str,
        duration: Duration,
        bot: &BotName,
    ) -> Result<ApiResponse<UserChatView>, ApiError> {
        let request = Request::new(
            Method::PUT,
            "/open/v5/user-chats/{userChatId}/snooze",
            format!("/open/v5/user-chats/{}/snooze", segment(user_chat_id)),
        )
        .query("duration", iso_duration(duration))
        .query("botName", bot.as_str());
        self.call(request).await
    }

    /// `PATCH /open/v5/user-chats/{userChatId}`: changes the chat's tags, description or
    /// profile fields.
    pub async fn update_user_chat(
        &self,
        user_chat_id: &str,
        update: &UserChatUpdate,
    ) -> Result<ApiResponse<UserChatView>, ApiError> {
        let request = Request::new(
            Method::PATCH,
            "/open/v5/user-chats/{userChatId}",
            format!("/open/v5/user-chats/{}", segment(user_chat_id)),
        )
        .json(update);
        self.call(request).await
    }

    /// `DELETE /open/v5/user-chats/{userChatId}`: removes the chat and its messages.
    pub async fn delete_user_chat(&self, user_chat_id: &str) -> Result<ApiResponse<()>, ApiError> {
        let request = Request::new(
            Method::DELETE,
            "/open/v5/user-chats/{userChatId}",
            format!("/open/v5/user-chats/{}", segment(user_chat_id)),
        );
        let answer: ApiResponse<Value> = self.call(request).await?;
        Ok(answer.map(|_| ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_as_iso_8601() {
        assert_eq!(
            iso_duration(Duration::from_secs(23 * 3600 + 50 * 60)),
            "PT23H50M"
        );
        assert_eq!(iso_duration(Duration::from_secs(90)), "PT1M30S");
        assert_eq!(iso_duration(Duration::from_secs(48 * 3600)), "PT48H");
        assert_eq!(iso_duration(Duration::from_millis(400)), "PT0S");
        assert_eq!(iso_duration(Duration::from_secs(5)), "PT5S");
    }

    #[test]
    fn an_update_sends_only_what_is_set() {
        assert_eq!(
            serde_json::to_value(UserChatUpdate::new()).unwrap(),
            serde_json::json!({})
        );
        let update = UserChatUpdate::new()
            .profile("orderId", 42)
            .tags(Vec::<String>::new());
        assert_eq!(
            serde_json::to_value(update).unwrap(),
            serde_json::json!({"tags": [], "profile": {"orderId": 42}})
        );
    }
}
