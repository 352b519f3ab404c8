//! Users by your own member id, their profile, and their events.
//!
//! A bot usually knows a customer by the id of your own system (Channel's `memberId`), not by
//! Channel's user id: these calls find, create and update users by it, change a user's
//! profile and tags, and read and record what the user did (events), which Channel's segments
//! and goals work from.

use http::Method;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::ApiError;
use crate::models::{EventAnswer, UserEvent, UserView, unique_tags};
use crate::page::{Pages, SortOrder};
use crate::response::ApiResponse;
use crate::transport::{Request, segment};

/// The most tags a user holds.
pub const MAX_USER_TAGS: usize = 20;

/// Changes to a user, for [`Client::update_user`] and [`Client::upsert_member`]: the fields
/// of Channel's user that can be written. Only what is set is sent.
///
/// ```
/// use channeltalk_api::UserUpdate;
///
/// let update = UserUpdate::new()
///     .profile("name", "김민수")
///     .profile("plan", "pro")
///     .tags(["vip", "vip", "seoul"])
///     .language("ko");
/// assert_eq!(
///     serde_json::to_value(&update)?,
///     serde_json::json!({"profile": {"name": "김민수", "plan": "pro"},
///                        "tags": ["vip", "seoul"], "language": "ko"})
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserUpdate {
    /// Profile fields (`name`, `email`, `mobileNumber` and any of your own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Map<String, Value>>,
    /// Profile fields set only when the user has none yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_once: Option<Map<String, Value>>,
    /// The tags, each once; at most 20, which Channel enforces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// The language (`ko`, `en`, `ja`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Whether the user opted out of marketing email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribe_email: Option<bool>,
    /// Whether the user opted out of marketing texts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribe_texting: Option<bool>,
}

impl UserUpdate {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets one profile field (`name`, `email`, `mobileNumber`, or one of your own).
    pub fn profile(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.profile
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }

    /// Sets one profile field unless the user already has it.
    pub fn profile_once(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.profile_once
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }

    /// Replaces the user's tags; a repeated tag is sent once. Channel keeps at most
    /// [`MAX_USER_TAGS`] and refuses more (422).
    pub fn tags<I, T>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.tags = Some(unique_tags(tags));
        self
    }

    /// Sets the language.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Sets whether the user opted out of marketing email.
    pub fn unsubscribe_email(mut self, unsubscribed: bool) -> Self {
        self.unsubscribe_email = Some(unsubscribed);
        self
    }

    /// Sets whether the user opted out of marketing texts.
    pub fn unsubscribe_texting(mut self, unsubscribed: bool) -> Self {
        self.unsubscribe_texting = Some(unsubscribed);
        self
    }
}

/// An event to record for a user, for [`Client::create_user_event`].
///
/// ```
/// use channeltalk_api::NewUserEvent;
///
/// let event = NewUserEvent::new("OrderCompleted").property("orderId", "20240917-0042");
/// assert_eq!(
///     serde_json::to_value(&event)?,
///     serde_json::json!({"name": "OrderCompleted", "property": {"orderId": "20240917-0042"}})
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NewUserEvent {
    /// Its name (required).
    pub name: String,
    /// Its properties.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub property: Map<String, Value>,
}

impl NewUserEvent {
    /// An event of this name.
    pub fn new(name: impl Into<String>) -> Self {
        NewUserEvent {
            name: name.into(),
            property: Map::new(),
        }
    }

    /// Sets one property.
    pub fn property(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.property.insert(key.into(), value.into());
        self
    }
}

impl Client {
    /// `GET /open/v5/users/@{memberId}`: the user with this member id (your system's id).
    pub async fn user_by_member_id(
        &self,
        member_id: &str,
    ) -> Result<ApiResponse<UserView>, ApiError> {
        let request = Request::new(
            Method::GET,
            "/open/v5/users/@{memberId}",
            format!("/open/v5/users/@{}", segment(member_id)),
        );
        self.call(request).await
    }

    /// `PUT /open/v5/users/@{memberId}`: creates the user with this member id, or changes the
    /// one that has it. Safe to repeat.
    pub async fn upsert_member(
        &self,
        member_id: &str,
        update: &UserUpdate,
    ) -> Result<ApiResponse<UserView>, ApiError> {
        let request = Request::new(
            Method::PUT,
            "/open/v5/users/@{memberId}",
            format!("/open/v5/users/@{}", segment(member_id)),
        )
        .json(update);
        self.call(request).await
    }

    /// `PATCH /open/v5/users/{userId}`: changes a user's profile, tags, language or
    /// subscriptions.
    pub async fn update_user(
        &self,
        user_id: &str,
        update: &UserUpdate,
    ) -> Result<ApiResponse<UserView>, ApiError> {
        let request = Request::new(
            Method::PATCH,
            "/open/v5/users/{userId}",
            format!("/open/v5/users/{}", segment(user_id)),
        )
        .json(update);
        self.call(request).await
    }

    /// `GET /open/v5/users/{userId}/events`: what a user did, page by page.
    pub fn user_events(&self, user_id: &str, order: SortOrder) -> Pages<UserEvent> {
        Pages::new(
            self,
            "/open/v5/users/{userId}/events",
            format!("/open/v5/users/{}/events", segment(user_id)),
            "events",
        )
        .with_query("sortOrder", order.as_str())
    }

    /// `POST /open/v5/users/{userId}/events`: records an event of a user.
    ///
    /// Not repeated after a timeout or a 5xx (a repeat would record it twice).
    pub async fn create_user_event(
        &self,
        user_id: &str,
        event: &NewUserEvent,
    ) -> Result<ApiResponse<UserEvent>, ApiError> {
        let request = Request::new(
            Method::POST,
            "/open/v5/users/{userId}/events",
            format!("/open/v5/users/{}/events", segment(user_id)),
        )
        .json(event);
        let answer: ApiResponse<EventAnswer> = self.call(request).await?;
        Ok(answer.map(|answer| answer.event.unwrap_or_default()))
    }

    /// `DELETE /open/v5/users/{userId}/events/{eventId}`: forgets an event.
    pub async fn delete_user_event(
        &self,
        user_id: &str,
        event_id: &str,
    ) -> Result<ApiResponse<()>, ApiError> {
        let request = Request::new(
            Method::DELETE,
            "/open/v5/users/{userId}/events/{eventId}",
            format!(
                "/open/v5/users/{}/events/{}",
                segment(user_id),
                segment(event_id)
            ),
        );
        let answer: ApiResponse<Value> = self.call(request).await?;
        Ok(answer.map(|_| ()))
    }
}
