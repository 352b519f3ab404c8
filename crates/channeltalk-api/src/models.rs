//! The answers of the Open API ("views"), built on the core's models, and the webhook model.
//!
//! Every field is optional and every nested model is read tolerantly (see `lenient`): Channel
//! adds fields and changes shapes between API versions, and a call must not fail because one
//! part of its answer is unexpected. Fields the SDK does not model stay in `extra`.

use std::fmt;

use channeltalk_webhook::model::Scope;
use channeltalk_webhook::{Bot, Group, Manager, Message, Timestamp, User, UserChat};
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

/// A webhook: where Channel delivers events, and which ones.
///
/// `token` is the secret deliveries carry as `?token=`; `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Webhook {
    /// The webhook id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where deliveries go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The secret token deliveries carry (configure the receiver with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// What it delivers.
    #[serde(
        default,
        deserialize_with = "lenient::vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub scopes: Vec<Scope>,
    /// Deprecated keyword filter.
    #[serde(
        default,
        deserialize_with = "lenient::vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub keywords: Vec<String>,
    /// The API version of its deliveries (`v5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Blocked by Channel after too many failed deliveries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    /// Created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Last blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_blocked_at: Option<Timestamp>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("channel_id", &self.channel_id)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("scopes", &self.scopes)
            .field("keywords", &self.keywords)
            .field("api_version", &self.api_version)
            .field("blocked", &self.blocked)
            .field("created_at", &self.created_at)
            .field("last_blocked_at", &self.last_blocked_at)
            .finish()
    }
}

impl Webhook {
    /// Whether Channel blocked it (after 100 failed deliveries in a row).
    pub fn is_blocked(&self) -> bool {
        self.blocked == Some(true)
    }
}

#[derive(Deserialize)]
pub(crate) struct WebhookView {
    #[serde(default)]
    pub(crate) webhook: Option<Webhook>,
}

/// A webhook to create.
///
/// ```
/// use channeltalk_api::NewWebhook;
/// use channeltalk_webhook::model::Scope;
///
/// let webhook = NewWebhook::new("my bot", "https://bot.example.com/webhook")
///     .scope(Scope::MessageCreatedUserChat);
/// assert_eq!(
///     serde_json::to_value(&webhook)?,
///     serde_json::json!({"name":"my bot","url":"https://bot.example.com/webhook",
///                        "scopes":["message.created.userChat"],"apiVersion":"v5"})
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewWebhook {
    /// Its name.
    pub name: String,
    /// Where deliveries go.
    pub url: String,
    /// What it delivers.
    pub scopes: Vec<Scope>,
    /// The API version of its deliveries (`v5`).
    pub api_version: String,
}

impl NewWebhook {
    /// A `v5` webhook with no scope yet.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Self {
        NewWebhook {
            name: name.into(),
            url: url.into(),
            scopes: Vec::new(),
            api_version: "v5".to_owned(),
        }
    }

    /// Adds a scope.
    pub fn scope(mut self, scope: impl Into<Scope>) -> Self {
        self.scopes.push(scope.into());
        self
    }
}

/// The changes to a webhook; fields left `None` stay as they are.
///
/// ```
/// use channeltalk_api::WebhookUpdate;
///
/// let unblock = WebhookUpdate::new().unblock();
/// assert_eq!(serde_json::to_string(&unblock)?, r#"{"blocked":false}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookUpdate {
    /// A new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// New scopes (replacing the old ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<Scope>>,
    /// `Some(false)` unblocks a webhook Channel blocked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
}

impl WebhookUpdate {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Renames it.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Points it at another URL.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Replaces its scopes.
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        self.scopes = Some(scopes.into_iter().collect());
        self
    }

    /// Unblocks it (after Channel blocked it for failed deliveries).
    pub fn unblock(mut self) -> Self {
        self.blocked = Some(false);
        self
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_debug_hides_the_token() {
        let webhook: Webhook = serde_json::from_str(
            r#"{"id":"1","name":"n","url":"https://x","token":"tok-secret","scopes":["userChat.opened","some.new.scope"],"blocked":true,"future":1}"#,
        )
        .unwrap();
        assert!(!format!("{webhook:?}").contains("tok-secret"));
        assert_eq!(webhook.scopes[1], Scope::Other("some.new.scope".into()));
        assert!(webhook.is_blocked());
    }

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
