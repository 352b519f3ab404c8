//! [`User`]: a customer (member, lead or unified profile).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::enums::UserType;
use super::serde_util::null_as_default;
use super::timestamp::Timestamp;

/// A customer (`"type":"user"`, also `refers.user`). "User" events report changed contact
/// details or marketing consent. Every field is optional.
///
/// ```
/// use channeltalk_webhook::model::{User, UserType};
///
/// let user: User = serde_json::from_str(r#"{"id":"u1","type":"lead","name":"김민수"}"#)?;
/// assert_eq!(user.kind, Some(UserType::Lead));
/// assert_eq!(user.name.as_deref(), Some("김민수"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct User {
    /// The user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Your system's id for a member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// The legacy veil id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub veil_id: Option<String>,
    /// The unified profile id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unified_id: Option<String>,
    /// Member, lead or unified.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<UserType>,
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The mobile number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    /// The avatar's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// Free-form profile fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Value>,
    /// Tags.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    /// Preferred language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Opted out of marketing email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe_email: Option<bool>,
    /// Opted out of marketing texts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe_texting: Option<bool>,
    /// Has a mobile push token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_push_token: Option<bool>,
    /// Blocked by the team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    /// Last seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<Timestamp>,
    /// Created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// The entity version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}
