//! The team's side: team chats (groups) and their threads, found by id or by name, and the
//! bots a channel posts as.
//!
//! Bots that report to the team (an alert, a daily summary, an escalation) post into a team
//! chat they know by name, open a thread under their own message and follow up inside it.
//! Every call here has a by-id and a by-name form, as Channel's paths do (`/groups/{groupId}`
//! and `/groups/@{groupName}`).

use channeltalk_webhook::model::{Bot, Group, Message};
use http::Method;
use serde::Serialize;
use serde_json::Value;

use crate::client::Client;
use crate::error::ApiError;
use crate::models::{BotAnswer, GroupView, MessageView, ThreadView};
use crate::page::{Pages, SortOrder};
use crate::response::ApiResponse;
use crate::send::{ChatTarget, SendMessage, messages_path};
use crate::transport::{Request, segment};

/// A bot to create (or, with a name that exists, to change): Channel requires a name and a
/// color.
///
/// ```
/// use channeltalk_api::NewBot;
///
/// let bot = NewBot::new("주문봇", "#5E56F0").avatar_url("https://cdn.example/bot.png");
/// assert_eq!(
///     serde_json::to_value(&bot)?,
///     serde_json::json!({"name": "주문봇", "color": "#5E56F0",
///                        "avatarUrl": "https://cdn.example/bot.png"})
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewBot {
    /// The name shown on its messages.
    pub name: String,
    /// Its color (`#rrggbb`).
    pub color: String,
    /// Its avatar's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

impl NewBot {
    /// A bot with a name and a color, the two fields Channel requires.
    pub fn new(name: impl Into<String>, color: impl Into<String>) -> Self {
        NewBot {
            name: name.into(),
            color: color.into(),
            avatar_url: None,
        }
    }

    /// Sets its avatar's address.
    pub fn avatar_url(mut self, url: impl Into<String>) -> Self {
        self.avatar_url = Some(url.into());
        self
    }
}

/// The path of a post to `target`, its team chat read as a name.
fn named_messages_path(target: &ChatTarget) -> (String, &'static str) {
    match target {
        ChatTarget::Group(name) | ChatTarget::GroupNamed(name) => (
            format!("/open/v5/groups/@{}/messages", segment(name)),
            "/open/v5/groups/@{groupName}/messages",
        ),
        ChatTarget::Thread {
            group_id: name,
            root_message_id,
            ..
        } => (
            format!(
                "/open/v5/groups/@{}/threads/{}/messages",
                segment(name),
                segment(root_message_id)
            ),
            "/open/v5/groups/@{groupName}/threads/{messageId}/messages",
        ),
        other => messages_path(other),
    }
}

impl Client {
    /// `GET /open/v5/groups`: the channel's team chats, page by page.
    pub fn groups(&self) -> Pages<Group> {
        Pages::new(
            self,
            "/open/v5/groups",
            "/open/v5/groups".to_owned(),
            "groups",
        )
    }

    /// `GET /open/v5/groups/@{groupName}`: a team chat and its managers, by name.
    pub async fn group_named(&self, name: &str) -> Result<ApiResponse<GroupView>, ApiError> {
        let request = Request::new(
            Method::GET,
            "/open/v5/groups/@{groupName}",
            format!("/open/v5/groups/@{}", segment(name)),
        );
        self.call(request).await
    }

    /// `GET /open/v5/groups/@{groupName}/messages`: a team chat's messages, by name, page by
    /// page.
    pub fn group_messages_named(&self, name: &str, order: SortOrder) -> Pages<Message> {
        Pages::new(
            self,
            "/open/v5/groups/@{groupName}/messages",
            format!("/open/v5/groups/@{}/messages", segment(name)),
            "messages",
        )
        .with_query("sortOrder", order.as_str())
    }

    /// `GET /open/v5/groups/{groupId}/threads/{messageId}`: the thread under a message.
    pub async fn thread(
        &self,
        group_id: &str,
        message_id: &str,
    ) -> Result<ApiResponse<ThreadView>, ApiError> {
        let request = Request::new(
            Method::GET,
            "/open/v5/groups/{groupId}/threads/{messageId}",
            format!(
                "/open/v5/groups/{}/threads/{}",
                segment(group_id),
                segment(message_id)
            ),
        );
        self.call(request).await
    }

    /// `GET /open/v5/groups/@{groupName}/threads/{messageId}`: the thread under a message of
    /// a team chat named `group_name`.
    pub async fn thread_named(
        &self,
        group_name: &str,
        message_id: &str,
    ) -> Result<ApiResponse<ThreadView>, ApiError> {
        let request = Request::new(
            Method::GET,
            "/open/v5/groups/@{groupName}/threads/{messageId}",
            format!(
                "/open/v5/groups/@{}/threads/{}",
                segment(group_name),
                segment(message_id)
            ),
        );
        self.call(request).await
    }

    /// `POST /open/v5/groups/{groupId}/threads/{messageId}`: makes a message the root of a
    /// thread; post into it with [`ChatTarget::thread`]. A message has one thread at most, so
    /// this is safe to repeat.
    pub async fn create_thread(
        &self,
        group_id: &str,
        message_id: &str,
    ) -> Result<ApiResponse<ThreadView>, ApiError> {
        let request = Request::new(
            Method::POST,
            "/open/v5/groups/{groupId}/threads/{messageId}",
            format!(
                "/open/v5/groups/{}/threads/{}",
                segment(group_id),
                segment(message_id)
            ),
        )
        .repeatable(true);
        self.call(request).await
    }

    /// `POST /open/v5/groups/@{groupName}/threads/{messageId}`: makes a message of the team
    /// chat named `group_name` the root of a thread. Safe to repeat.
    pub async fn create_thread_named(
        &self,
        group_name: &str,
        message_id: &str,
    ) -> Result<ApiResponse<ThreadView>, ApiError> {
        let request = Request::new(
            Method::POST,
            "/open/v5/groups/@{groupName}/threads/{messageId}",
            format!(
                "/open/v5/groups/@{}/threads/{}",
                segment(group_name),
                segment(message_id)
            ),
        )
        .repeatable(true);
        self.call(request).await
    }

    /// `GET /open/v5/groups/{groupId}/threads/{messageId}/messages`: the replies in a thread,
    /// page by page.
    pub fn thread_messages(
        &self,
        group_id: &str,
        message_id: &str,
        order: SortOrder,
    ) -> Pages<Message> {
        Pages::new(
            self,
            "/open/v5/groups/{groupId}/threads/{messageId}/messages",
            format!(
                "/open/v5/groups/{}/threads/{}/messages",
                segment(group_id),
                segment(message_id)
            ),
            "messages",
        )
        .with_query("sortOrder", order.as_str())
    }

    /// `GET /open/v5/groups/@{groupName}/threads/{messageId}/messages`: the replies in a
    /// thread of the team chat named `group_name`, page by page.
    pub fn thread_messages_named(
        &self,
        group_name: &str,
        message_id: &str,
        order: SortOrder,
    ) -> Pages<Message> {
        Pages::new(
            self,
            "/open/v5/groups/@{groupName}/threads/{messageId}/messages",
            format!(
                "/open/v5/groups/@{}/threads/{}/messages",
                segment(group_name),
                segment(message_id)
            ),
            "messages",
        )
        .with_query("sortOrder", order.as_str())
    }

    /// Posts like [`Client::send`], with the target's team chat given by **name** instead of
    /// id: a thread target (`ChatTarget::thread("dev", root)`) posts to
    /// `POST /open/v5/groups/@{groupName}/threads/{messageId}/messages`, a team-chat target to
    /// `POST /open/v5/groups/@{groupName}/messages`; a user-chat target is posted as by
    /// [`Client::send`]. The same checks, bot name and `requestId` as [`Client::send`].
    ///
    /// ```no_run
    /// use channeltalk_api::{ChatTarget, Client, SendMessage};
    ///
    /// # async fn run(client: Client, alert_id: &str) -> Result<(), channeltalk_api::ApiError> {
    /// client.create_thread_named("dev", alert_id).await?;
    /// let follow_up = SendMessage::new(ChatTarget::thread("dev", alert_id), "fixed in 1.4.2");
    /// client.send_to_named_group(follow_up).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_to_named_group(
        &self,
        send: SendMessage,
    ) -> Result<ApiResponse<MessageView>, ApiError> {
        let path = named_messages_path(&send.target);
        self.post_message(send, path).await
    }

    /// `POST /open/v5/bots`: creates a bot (Channel changes the bot of that name if there is
    /// one). Not repeated after a timeout or a 5xx.
    pub async fn create_bot(&self, bot: &NewBot) -> Result<ApiResponse<Bot>, ApiError> {
        let request =
            Request::new(Method::POST, "/open/v5/bots", "/open/v5/bots".to_owned()).json(bot);
        let answer: ApiResponse<BotAnswer> = self.call(request).await?;
        Ok(answer.map(|answer| answer.bot.unwrap_or_default()))
    }

    /// `DELETE /open/v5/bots/{botId}`: deletes a bot.
    pub async fn delete_bot(&self, bot_id: &str) -> Result<ApiResponse<()>, ApiError> {
        let request = Request::new(
            Method::DELETE,
            "/open/v5/bots/{botId}",
            format!("/open/v5/bots/{}", segment(bot_id)),
        );
        let answer: ApiResponse<Value> = self.call(request).await?;
        Ok(answer.map(|_| ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_paths_put_the_name_after_an_at_sign() {
        assert_eq!(
            named_messages_path(&ChatTarget::thread("dev ops", "m/1")),
            (
                "/open/v5/groups/@dev%20ops/threads/m%2F1/messages".to_owned(),
                "/open/v5/groups/@{groupName}/threads/{messageId}/messages"
            )
        );
        assert_eq!(
            named_messages_path(&ChatTarget::group("dev")).0,
            "/open/v5/groups/@dev/messages"
        );
        assert_eq!(
            named_messages_path(&ChatTarget::user_chat("c1")).0,
            "/open/v5/user-chats/c1/messages"
        );
    }
}
