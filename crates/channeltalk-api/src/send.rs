//! [`Client::send`]: posts a [`SendMessage`] (the core's type: target, body, bot name and
//! `requestId`) to the Open API path of its [`ChatTarget`].
//!
//! The bot name goes to `?botName=`; the `requestId` that lets Channel drop a repeated post is
//! in the body and the same on every retry.

use http::Method;

use crate::client::Client;
use crate::error::ApiError;
use crate::models::MessageView;
use crate::response::ApiResponse;
use crate::transport::{Request, segment};

pub use channeltalk_webhook::{ChatTarget, SendMessage};

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

impl Client {
    /// Posts a message. Retries (bounded, per the client's [`RetryPolicy`](crate::RetryPolicy))
    /// carry the same `requestId`, so Channel can drop a repeat.
    pub async fn send(&self, send: SendMessage) -> Result<ApiResponse<MessageView>, ApiError> {
        let path = messages_path(&send.target);
        self.post_message(send, path).await
    }

    /// Posts `send` to `path` (and its template): the body, `botName` and `broadcast`, the same
    /// `requestId` on every attempt.
    pub(crate) async fn post_message(
        &self,
        send: SendMessage,
        (path, template): (String, &'static str),
    ) -> Result<ApiResponse<MessageView>, ApiError> {
        send.check()?;
        let mut request = Request::new(Method::POST, template, path)
            .json(&send.request_body())
            .repeatable(true);
        if let Some(name) = send.bot_name.as_ref() {
            request = request.query("botName", name.as_str());
        }
        if let ChatTarget::Thread {
            broadcast: true, ..
        } = &send.target
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
