//! The read and act endpoints: chats, users, the team, the channel, the hand-off to people,
//! and webhook management. Sending is in `send`.

use channeltalk_webhook::{Bot, BotName, Manager, Message};
use http::Method;

use crate::client::{ApiResponse, Client, Request, segment};
use crate::error::ApiError;
use crate::models::{
    ChannelView, GroupView, ManagerView, NewWebhook, UserChatView, UserView, Webhook,
    WebhookUpdate, WebhookView,
};
use crate::page::{Pages, SortOrder};

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

    /// `GET /open/v5/webhooks`: every webhook of the channel, page by page.
    pub fn webhooks(&self) -> Pages<Webhook> {
        Pages::new(
            self,
            "/open/v5/webhooks",
            "/open/v5/webhooks".to_owned(),
            "webhooks",
        )
    }

    /// `POST /open/v5/webhooks`: creates a webhook; the answer holds its `token`.
    ///
    /// Not repeated after a timeout or a 5xx (a repeat could create it twice): on such an
    /// error, list the webhooks before trying again.
    pub async fn create_webhook(
        &self,
        webhook: &NewWebhook,
    ) -> Result<ApiResponse<Webhook>, ApiError> {
        let request = Request::new(
            Method::POST,
            "/open/v5/webhooks",
            "/open/v5/webhooks".to_owned(),
        )
        .json(webhook);
        webhook_answer(self.call(request).await?)
    }

    /// `GET /open/v5/webhooks/{id}`: one webhook.
    pub async fn webhook(&self, id: &str) -> Result<ApiResponse<Webhook>, ApiError> {
        webhook_answer(
            self.get(
                "/open/v5/webhooks/{id}",
                format!("/open/v5/webhooks/{}", segment(id)),
            )
            .await?,
        )
    }

    /// `PATCH /open/v5/webhooks/{id}`: changes a webhook (`WebhookUpdate::new().unblock()`
    /// unblocks it).
    pub async fn update_webhook(
        &self,
        id: &str,
        update: &WebhookUpdate,
    ) -> Result<ApiResponse<Webhook>, ApiError> {
        let request = Request::new(
            Method::PATCH,
            "/open/v5/webhooks/{id}",
            format!("/open/v5/webhooks/{}", segment(id)),
        )
        .json(update);
        webhook_answer(self.call(request).await?)
    }

    /// `DELETE /open/v5/webhooks/{id}`: deletes a webhook.
    pub async fn delete_webhook(&self, id: &str) -> Result<ApiResponse<()>, ApiError> {
        let request = Request::new(
            Method::DELETE,
            "/open/v5/webhooks/{id}",
            format!("/open/v5/webhooks/{}", segment(id)),
        );
        let answer: ApiResponse<serde_json::Value> = self.call(request).await?;
        Ok(answer.map(|_| ()))
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        template: &'static str,
        path: String,
    ) -> Result<ApiResponse<T>, ApiError> {
        self.call(Request::new(Method::GET, template, path)).await
    }
}

/// `{webhook: …}` → the webhook (an answer without one reads as an empty webhook).
fn webhook_answer(answer: ApiResponse<WebhookView>) -> Result<ApiResponse<Webhook>, ApiError> {
    Ok(answer.map(|view| view.webhook.unwrap_or_default()))
}
