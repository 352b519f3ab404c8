//! Chat tags: the labels the team puts on user chats, listed, created, changed and deleted.
//!
//! A bot that sorts chats (a refund, a bug report, a VIP) tags them with
//! [`UserChatUpdate::tags`](crate::UserChatUpdate::tags), which takes tag keys: these calls
//! make sure the tags it uses exist, with a name and a color the team recognises.

use http::Method;
use serde::Serialize;
use serde_json::Value;

use crate::client::Client;
use crate::error::ApiError;
use crate::models::{ChatTag, ChatTagAnswer};
use crate::page::Pages;
use crate::response::ApiResponse;
use crate::transport::{Request, segment};

/// The colors a chat tag may have (`colorVariant`): Channel accepts these and no other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChatTagColor {
    /// `red`.
    Red,
    /// `orange`.
    Orange,
    /// `yellow`.
    Yellow,
    /// `olive`.
    Olive,
    /// `green`.
    Green,
    /// `cobalt`.
    Cobalt,
    /// `purple`.
    Purple,
    /// `pink`.
    Pink,
    /// `navy`.
    Navy,
}

impl ChatTagColor {
    /// The value Channel uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatTagColor::Red => "red",
            ChatTagColor::Orange => "orange",
            ChatTagColor::Yellow => "yellow",
            ChatTagColor::Olive => "olive",
            ChatTagColor::Green => "green",
            ChatTagColor::Cobalt => "cobalt",
            ChatTagColor::Purple => "purple",
            ChatTagColor::Pink => "pink",
            ChatTagColor::Navy => "navy",
        }
    }
}

impl Serialize for ChatTagColor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A chat tag to create, or the whole of one to write back: Channel requires `name` and `key`
/// on an update as on a creation.
///
/// ```
/// use channeltalk_api::{ChatTagColor, NewChatTag};
///
/// let tag = NewChatTag::new("Refund", "refund").color(ChatTagColor::Orange);
/// assert_eq!(
///     serde_json::to_value(&tag)?,
///     serde_json::json!({"name": "Refund", "key": "refund", "colorVariant": "orange"})
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewChatTag {
    /// Its name, as the desk shows it.
    pub name: String,
    /// Its key, the name user chats carry in `tags`.
    pub key: String,
    /// Its color.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_variant: Option<ChatTagColor>,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl NewChatTag {
    /// A tag with a name and a key, the two fields Channel requires.
    pub fn new(name: impl Into<String>, key: impl Into<String>) -> Self {
        NewChatTag {
            name: name.into(),
            key: key.into(),
            color_variant: None,
            description: None,
        }
    }

    /// Sets its color.
    pub fn color(mut self, color: ChatTagColor) -> Self {
        self.color_variant = Some(color);
        self
    }

    /// Sets its description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl Client {
    /// `GET /open/v5/chat-tags`: the channel's chat tags, page by page.
    pub fn chat_tags(&self) -> Pages<ChatTag> {
        Pages::new(
            self,
            "/open/v5/chat-tags",
            "/open/v5/chat-tags".to_owned(),
            "chatTags",
        )
    }

    /// `POST /open/v5/chat-tags`: creates a chat tag.
    ///
    /// Not repeated after a timeout or a 5xx: on such an error, list the tags before trying
    /// again.
    pub async fn create_chat_tag(
        &self,
        tag: &NewChatTag,
    ) -> Result<ApiResponse<ChatTag>, ApiError> {
        let request = Request::new(
            Method::POST,
            "/open/v5/chat-tags",
            "/open/v5/chat-tags".to_owned(),
        )
        .json(tag);
        let answer: ApiResponse<ChatTagAnswer> = self.call(request).await?;
        Ok(answer.map(|answer| answer.chat_tag.unwrap_or_default()))
    }

    /// `PATCH /open/v5/chat-tags/{id}`: writes a chat tag; `tag` is the whole of it, since
    /// Channel requires its name and key on an update.
    pub async fn update_chat_tag(
        &self,
        id: &str,
        tag: &NewChatTag,
    ) -> Result<ApiResponse<ChatTag>, ApiError> {
        let request = Request::new(
            Method::PATCH,
            "/open/v5/chat-tags/{id}",
            format!("/open/v5/chat-tags/{}", segment(id)),
        )
        .json(tag);
        let answer: ApiResponse<ChatTagAnswer> = self.call(request).await?;
        Ok(answer.map(|answer| answer.chat_tag.unwrap_or_default()))
    }

    /// `DELETE /open/v5/chat-tags/{id}`: deletes a chat tag (Channel describes it as deleting
    /// the tags below it as well).
    pub async fn delete_chat_tag(&self, id: &str) -> Result<ApiResponse<()>, ApiError> {
        let request = Request::new(
            Method::DELETE,
            "/open/v5/chat-tags/{id}",
            format!("/open/v5/chat-tags/{}", segment(id)),
        );
        let answer: ApiResponse<Value> = self.call(request).await?;
        Ok(answer.map(|_| ()))
    }
}
