//! The read and act endpoints: chats, users, the team, the channel, the hand-off to people,
//! and signed links to the files of messages. Sending is in `send`, webhook management in
//! `webhooks`; user chats beyond the one at hand in `user_chats`, users by member id and
//! their events in `users`, team chats, threads and bots in `team`, chat tags in `chat_tags`.

use channeltalk_webhook::BotName;
use channeltalk_webhook::model::{Bot, Manager, Message};
use http::Method;

use crate::client::Client;
use crate::error::ApiError;
use crate::models::{ChannelView, GroupView, ManagerView, SignedFileUrl, UserChatView, UserView};
use crate::page::{Pages, SortOrder};
use crate::response::ApiResponse;
use crate::send::ChatTarget;
use crate::transport::{Request, segment};

impl Client {
    /// `GET /open/v5/user-chats/{id}`: a user chat, its user and last message.
    pub async fn user_chat(
        &self,
        user_chat_id: &str,
    ) -> Result<ApiResponse<UserChatView>, ApiError> {
        self.get(
            "/open/v5/user-chats/{userChatId}",
            format!("/open/v5/user-chats/{}", segment(user_chat_id)),
        )
        .await
    }

    /// `GET /open/v5/user-chats/{id}/messages`: a user chat's messages, page by page.
    pub fn user_chat_messages(&self, user_chat_id: &str, order: SortOrder) -> Pages<Message> {
        Pages::new(
            self,
            "/open/v5/user-chats/{userChatId}/messages",
            format!("/open/v5/user-chats/{}/messages", segment(user_chat_id)),
            "messages",
        )
        .with_query("sortOrder", order.as_str())
    }

    /// `GET /open/v5/groups/{id}/messages`: a team chat's messages, page by page.
    pub fn group_messages(&self, group_id: &str, order: SortOrder) -> Pages<Message> {
        Pages::new(
            self,
            "/open/v5/groups/{groupId}/messages",
            format!("/open/v5/groups/{}/messages", segment(group_id)),
            "messages",
        )
        .with_query("sortOrder", order.as_str())
    }

    /// `GET /open/v5/users/{id}`: a user.
    pub async fn user(&self, user_id: &str) -> Result<ApiResponse<UserView>, ApiError> {
        self.get(
            "/open/v5/users/{userId}",
            format!("/open/v5/users/{}", segment(user_id)),
        )
        .await
    }

    /// `GET /open/v5/managers/{id}`: a manager.
    pub async fn manager(&self, manager_id: &str) -> Result<ApiResponse<ManagerView>, ApiError> {
        self.get(
            "/open/v5/managers/{managerId}",
            format!("/open/v5/managers/{}", segment(manager_id)),
        )
        .await
    }

    /// `GET /open/v5/managers`: the team's managers, page by page.
    pub fn managers(&self) -> Pages<Manager> {
        Pages::new(
            self,
            "/open/v5/managers",
            "/open/v5/managers".to_owned(),
            "managers",
        )
    }

    /// `GET /open/v5/bots`: the channel's bots, page by page.
    pub fn bots(&self) -> Pages<Bot> {
        Pages::new(self, "/open/v5/bots", "/open/v5/bots".to_owned(), "bots")
    }

    /// `GET /open/v5/groups/{id}`: a team chat and its managers.
    pub async fn group(&self, group_id: &str) -> Result<ApiResponse<GroupView>, ApiError> {
        self.get(
            "/open/v5/groups/{groupId}",
            format!("/open/v5/groups/{}", segment(group_id)),
        )
        .await
    }

    /// `GET /open/v5/channel`: the channel of these credentials — a cheap credentials check.
    pub async fn channel(&self) -> Result<ApiResponse<ChannelView>, ApiError> {
        self.get("/open/v5/channel", "/open/v5/channel".to_owned())
            .await
    }

    /// `PATCH /open/v5/user-chats/{id}/assign-to/managers/{managerId}`: hands the chat to a
    /// manager, announced as `bot`.
    pub async fn assign_user_chat(
        &self,
        user_chat_id: &str,
        manager_id: &str,
        bot: &BotName,
    ) -> Result<ApiResponse<UserChatView>, ApiError> {
        let path = format!(
            "/open/v5/user-chats/{}/assign-to/managers/{}",
            segment(user_chat_id),
            segment(manager_id)
        );
        let request = Request::new(
            Method::PATCH,
            "/open/v5/user-chats/{userChatId}/assign-to/managers/{managerId}",
            path,
        )
        .query("botName", bot.as_str());
        self.call(request).await
    }

    /// `PATCH /open/v5/user-chats/{id}/invite`: invites managers into the chat.
    pub async fn invite_managers(
        &self,
        user_chat_id: &str,
        manager_ids: &[&str],
        bot: &BotName,
    ) -> Result<ApiResponse<UserChatView>, ApiError> {
        let path = format!("/open/v5/user-chats/{}/invite", segment(user_chat_id));
        let mut request = Request::new(
            Method::PATCH,
            "/open/v5/user-chats/{userChatId}/invite",
            path,
        )
        .query("botName", bot.as_str());
        for id in manager_ids {
            request = request.query("managerIds", *id);
        }
        self.call(request).await
    }

    /// `PATCH /open/v5/user-chats/{id}/close`: closes the chat, announced as `bot`.
    pub async fn close_user_chat(
        &self,
        user_chat_id: &str,
        bot: &BotName,
    ) -> Result<ApiResponse<UserChatView>, ApiError> {
        let path = format!("/open/v5/user-chats/{}/close", segment(user_chat_id));
        let request = Request::new(
            Method::PATCH,
            "/open/v5/user-chats/{userChatId}/close",
            path,
        )
        .query("botName", bot.as_str());
        self.call(request).await
    }

    /// A signed link to a file of a message in `chat` (its `key`, from the message's
    /// `files`), valid for a short while:
    /// `GET /open/v5/user-chats/{userChatId}/messages/file?key=` for a user chat,
    /// `GET /open/v5/groups/{groupId}/messages/file?key=` for a team chat or a thread of one,
    /// `GET /open/v5/groups/@{groupName}/messages/file?key=` for a team chat by name.
    ///
    /// ```no_run
    /// use channeltalk_api::Client;
    /// use channeltalk_webhook::model::Message;
    ///
    /// # async fn run(client: Client, message: Message) -> Result<(), channeltalk_api::ApiError> {
    /// let Some(chat) = message.reply_target() else { return Ok(()) };
    /// for file in message.files.iter().filter_map(|file| file.known()) {
    ///     if let Some(key) = &file.key {
    ///         let link = client.file_url(&chat, key).await?;
    ///         println!("{:?}: {:?}", file.name, link.url);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn file_url(
        &self,
        chat: &ChatTarget,
        key: &str,
    ) -> Result<ApiResponse<SignedFileUrl>, ApiError> {
        let (template, path) = match chat {
            ChatTarget::UserChat(id) => (
                "/open/v5/user-chats/{userChatId}/messages/file",
                format!("/open/v5/user-chats/{}/messages/file", segment(id)),
            ),
            ChatTarget::Group(id) | ChatTarget::Thread { group_id: id, .. } => (
                "/open/v5/groups/{groupId}/messages/file",
                format!("/open/v5/groups/{}/messages/file", segment(id)),
            ),
            ChatTarget::GroupNamed(name) => (
                "/open/v5/groups/@{groupName}/messages/file",
                format!("/open/v5/groups/@{}/messages/file", segment(name)),
            ),
        };
        let request = Request::new(Method::GET, template, path).query("key", key);
        self.call(request).await
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        template: &'static str,
        path: String,
    ) -> Result<ApiResponse<T>, ApiError> {
        self.call(Request::new(Method::GET, template, path)).await
    }
}
