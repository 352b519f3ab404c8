//! Webhook management: the [`Webhook`] model, list, create, get, update, delete, and
//! [`Client::ensure_webhook`], which makes the channel hold exactly the webhook you describe.
//!
//! Two facts shape it. Channel's API description marks `name`, `url`, `scopes` and `apiVersion`
//! as required on an update as on a creation, so every update here reads the webhook and writes
//! back every required field. And teams running bots behind a tunnel whose URL changes on each
//! start report that creation can fail on Channel's side (500) while reading and updating work:
//! so `ensure` never repeats a creation blindly (it looks again first), and when Channel will
//! not create the webhook it says to create it once in the desk, after which `ensure` keeps it
//! current.

use std::collections::BTreeSet;
use std::fmt;

use channeltalk_webhook::model::{Scope, Timestamp};
use http::Method;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::ApiError;
use crate::lenient;
use crate::page::Pages;
use crate::response::ApiResponse;
use crate::transport::{Request, segment};

/// The API version webhooks are created with.
pub const WEBHOOK_API_VERSION: &str = "v5";

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

    /// Its scopes as a set (their order means nothing).
    fn scope_set(&self) -> BTreeSet<&str> {
        self.scopes.iter().map(Scope::as_str).collect()
    }
}

#[derive(Deserialize)]
struct WebhookView {
    #[serde(default)]
    webhook: Option<Webhook>,
}

/// A webhook to create, or to [ensure](Client::ensure_webhook).
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
            api_version: WEBHOOK_API_VERSION.to_owned(),
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
/// assert!(!unblock.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct WebhookUpdate {
    /// A new name.
    pub name: Option<String>,
    /// A new URL.
    pub url: Option<String>,
    /// New scopes (replacing the old ones).
    pub scopes: Option<Vec<Scope>>,
    /// `Some(false)` unblocks a webhook Channel blocked.
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

    /// The body of the `PATCH`: `current` with these changes, every required field written.
    fn apply_to(&self, current: &Webhook) -> PatchBody {
        PatchBody {
            name: self
                .name
                .clone()
                .or_else(|| current.name.clone())
                .unwrap_or_default(),
            url: self
                .url
                .clone()
                .or_else(|| current.url.clone())
                .unwrap_or_default(),
            scopes: self
                .scopes
                .clone()
                .unwrap_or_else(|| current.scopes.clone()),
            api_version: current
                .api_version
                .clone()
                .unwrap_or_else(|| WEBHOOK_API_VERSION.to_owned()),
            keywords: current.keywords.clone(),
            blocked: self.blocked.or(current.blocked),
        }
    }
}

/// `PATCH /open/v5/webhooks/{id}`'s body: the required fields always, the others as they are.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody {
    name: String,
    url: String,
    scopes: Vec<Scope>,
    api_version: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    keywords: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocked: Option<bool>,
}

/// What [`Client::ensure_webhook`] did.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Ensured {
    /// There was none: it was created.
    Created(Webhook),
    /// It differed (URL, scopes, or blocked): it was updated, with these changes.
    Updated {
        /// The webhook now.
        webhook: Webhook,
        /// What changed: `url`, `scopes`, `unblocked`.
        changes: Vec<&'static str>,
    },
    /// It was as described: nothing was written.
    Unchanged(Webhook),
}

impl Ensured {
    /// The webhook as it is now.
    pub fn webhook(&self) -> &Webhook {
        match self {
            Ensured::Created(webhook)
            | Ensured::Updated { webhook, .. }
            | Ensured::Unchanged(webhook) => webhook,
        }
    }

    /// `created`, `updated` or `unchanged`.
    pub fn action(&self) -> &'static str {
        match self {
            Ensured::Created(_) => "created",
            Ensured::Updated { .. } => "updated",
            Ensured::Unchanged(_) => "unchanged",
        }
    }
}

/// Why [`Client::ensure_webhook`] could not make the channel hold the webhook.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnsureError {
    /// Several webhooks have the name: nothing was written (allow pruning to keep the oldest
    /// and delete the others).
    #[error(
        "{} webhooks are named {name:?} (ids {}): nothing was changed; delete the extra ones, or \
         let ensure keep the oldest and delete the others (--prune-duplicates)",
        ids.len(),
        ids.join(", ")
    )]
    Duplicates {
        /// The name.
        name: String,
        /// Their ids, the oldest first.
        ids: Vec<String>,
    },
    /// Channel would not create the webhook: every creation failed on its side, and none
    /// appeared.
    #[error(
        "Channel would not create the webhook {name:?} ({attempts} attempt(s), the last: \
         {last}); create it once in the Channel desk (Settings > Webhook) with this name, then \
         run ensure again: from then on it keeps the webhook's URL and scopes current"
    )]
    CreationRefused {
        /// The name.
        name: String,
        /// Creations tried.
        attempts: u32,
        /// The last creation's error.
        last: Box<ApiError>,
    },
    /// A call failed.
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// How many times `ensure` tries to create a webhook that Channel fails to create.
const CREATE_ATTEMPTS: u32 = 3;

impl Client {
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
    /// error, list the webhooks before trying again, as [`Client::ensure_webhook`] does.
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
        let request = Request::new(
            Method::GET,
            "/open/v5/webhooks/{id}",
            format!("/open/v5/webhooks/{}", segment(id)),
        );
        webhook_answer(self.call(request).await?)
    }

    /// Changes a webhook (`WebhookUpdate::new().unblock()` unblocks it): reads it, then
    /// `PATCH /open/v5/webhooks/{id}` with every field Channel requires (`name`, `url`,
    /// `scopes`, `apiVersion`) and the changes applied.
    pub async fn update_webhook(
        &self,
        id: &str,
        update: &WebhookUpdate,
    ) -> Result<ApiResponse<Webhook>, ApiError> {
        let current = self.webhook(id).await?.into_inner();
        self.patch_webhook(id, update.apply_to(&current)).await
    }

    async fn patch_webhook(
        &self,
        id: &str,
        body: PatchBody,
    ) -> Result<ApiResponse<Webhook>, ApiError> {
        let request = Request::new(
            Method::PATCH,
            "/open/v5/webhooks/{id}",
            format!("/open/v5/webhooks/{}", segment(id)),
        )
        .json(&body);
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

    /// Makes the channel hold the webhook `wanted` describes, found by its name (all pages):
    ///
    /// - none → created (`apiVersion` v5). A creation whose answer is lost (a 5xx, a timeout)
    ///   is not repeated blindly: the webhooks are listed again, and one that appeared is the
    ///   success; one that did not is created again, at most 3 times, after which
    ///   [`EnsureError::CreationRefused`] says to create it once in the desk;
    /// - one, with the URL, the scopes (in any order) and not blocked → nothing written;
    /// - one that differs → one update carrying every required field (blocked → unblocked);
    /// - several → [`EnsureError::Duplicates`], nothing written; unless `prune_duplicates`,
    ///   which keeps the oldest and deletes the others first.
    ///
    /// ```no_run
    /// use channeltalk_api::{Client, Ensured, NewWebhook};
    /// use channeltalk_webhook::model::Scope;
    ///
    /// # async fn run(tunnel_url: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// let client = Client::from_env()?;
    /// let wanted = NewWebhook::new("order-bot", format!("{tunnel_url}/webhook"))
    ///     .scope(Scope::MessageCreatedUserChat);
    /// let ensured = client.ensure_webhook(&wanted, false).await?;
    /// println!("{} webhook {:?}", ensured.action(), ensured.webhook().id);
    /// # Ok(()) }
    /// ```
    pub async fn ensure_webhook(
        &self,
        wanted: &NewWebhook,
        prune_duplicates: bool,
    ) -> Result<Ensured, EnsureError> {
        let Some(current) = self.find_webhook(&wanted.name, prune_duplicates).await? else {
            return self.create_once(wanted).await;
        };
        let mut changes = Vec::new();
        if current.url.as_deref() != Some(wanted.url.as_str()) {
            changes.push("url");
        }
        let wanted_scopes: BTreeSet<&str> = wanted.scopes.iter().map(Scope::as_str).collect();
        if current.scope_set() != wanted_scopes {
            changes.push("scopes");
        }
        if current.is_blocked() {
            changes.push("unblocked");
        }
        if changes.is_empty() {
            return Ok(Ensured::Unchanged(current));
        }
        let id = current.id.clone().unwrap_or_default();
        let update = WebhookUpdate::new()
            .url(wanted.url.as_str())
            .scopes(wanted.scopes.iter().cloned())
            .unblock();
        let mut body = update.apply_to(&current);
        body.api_version = wanted.api_version.clone();
        let mut webhook = self.patch_webhook(&id, body).await?.into_inner();
        // Channel's answer may leave the token out; the one read is still the webhook's.
        if webhook.token.is_none() {
            webhook.token = current.token;
        }
        Ok(Ensured::Updated { webhook, changes })
    }

    /// The webhook named `name`, if there is one; several are an error unless pruned.
    async fn find_webhook(
        &self,
        name: &str,
        prune_duplicates: bool,
    ) -> Result<Option<Webhook>, EnsureError> {
        let mut named = self.named_webhooks(name).await?;
        if named.len() > 1 {
            if !prune_duplicates {
                return Err(EnsureError::Duplicates {
                    name: name.to_owned(),
                    ids: named
                        .iter()
                        .map(|w| w.id.clone().unwrap_or_default())
                        .collect(),
                });
            }
            for extra in named.split_off(1) {
                let id = extra.id.unwrap_or_default();
                self.delete_webhook(&id).await?;
                tracing::info!(webhook = id, name, "deleted a duplicate webhook");
            }
        }
        Ok(named.into_iter().next())
    }

    /// Every webhook named `name`, the oldest first.
    async fn named_webhooks(&self, name: &str) -> Result<Vec<Webhook>, ApiError> {
        let mut named: Vec<Webhook> = self
            .webhooks()
            .limit(crate::page::MAX_PAGE_SIZE)
            .collect_all()
            .await?
            .into_iter()
            .filter(|webhook| webhook.name.as_deref() == Some(name))
            .collect();
        named.sort_by(|a, b| {
            let created = |w: &Webhook| w.created_at.map(|at| at.as_millis());
            created(a)
                .cmp(&created(b))
                .then_with(|| numeric_id(a).cmp(&numeric_id(b)))
        });
        Ok(named)
    }

    /// Creates `wanted`, looking again after each creation whose answer was lost.
    async fn create_once(&self, wanted: &NewWebhook) -> Result<Ensured, EnsureError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let error = match self.create_webhook(wanted).await {
                Ok(created) => return Ok(Ensured::Created(created.into_inner())),
                Err(error) if answer_may_be_lost(&error) => error,
                Err(error) => return Err(error.into()),
            };
            tracing::warn!(attempt = attempts, %error, "creating the webhook failed; looking whether it exists");
            if let Some(found) = self.named_webhooks(&wanted.name).await?.into_iter().next() {
                return Ok(Ensured::Created(found));
            }
            if attempts >= CREATE_ATTEMPTS {
                return Err(EnsureError::CreationRefused {
                    name: wanted.name.clone(),
                    attempts,
                    last: Box::new(error),
                });
            }
        }
    }
}

/// Whether a failed creation may have happened all the same: Channel failed (5xx) or no
/// answer came.
fn answer_may_be_lost(error: &ApiError) -> bool {
    matches!(error, ApiError::Server { .. } | ApiError::Transport { .. })
}

/// A webhook id as a number, for ordering ids of the same creation time (ids are numeric).
fn numeric_id(webhook: &Webhook) -> (u64, String) {
    let id = webhook.id.clone().unwrap_or_default();
    (id.parse().unwrap_or(u64::MAX), id)
}

/// `{webhook: …}` → the webhook (an answer without one reads as an empty webhook).
fn webhook_answer(answer: ApiResponse<WebhookView>) -> Result<ApiResponse<Webhook>, ApiError> {
    Ok(answer.map(|view| view.webhook.unwrap_or_default()))
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
    fn an_update_writes_every_required_field() {
        let current: Webhook = serde_json::from_str(
            r#"{"id":"7","name":"bot","url":"https://old","scopes":["userChat.opened"],"apiVersion":"v5","blocked":true,"keywords":["k"]}"#,
        )
        .unwrap();
        let body = serde_json::to_value(WebhookUpdate::new().unblock().apply_to(&current)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"name":"bot","url":"https://old","scopes":["userChat.opened"],
                               "apiVersion":"v5","keywords":["k"],"blocked":false})
        );
        let moved = serde_json::to_value(
            WebhookUpdate::new()
                .url("https://new")
                .apply_to(&Webhook::default()),
        )
        .unwrap();
        assert_eq!(
            moved,
            serde_json::json!({"name":"","url":"https://new","scopes":[],"apiVersion":"v5"})
        );
    }
}
