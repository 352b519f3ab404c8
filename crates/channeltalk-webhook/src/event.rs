//! [`Event`]: one webhook delivery, parsed tolerantly, with its raw body kept.
//!
//! Parsing follows one rule: **a JSON object is never an error**. Unknown event and entity
//! types parse as [`Entity::Other`]; an entity that does not fit its typed model (schema drift,
//! say `"createdAt":"yesterday"`) parses as [`Entity::Unparsed`] with the raw JSON and the
//! reason; `refers` entries that do not fit are left untyped but stay reachable. Only a body
//! that is not UTF-8, not JSON, or not a JSON object is a [`ParseError`].
//!
//! Which model the entity holds is read from every envelope form Channel uses (see
//! [`Event::entity_type`]); an entity that falls back to `Other` or `Unparsed` is logged at
//! `warn`, rate-limited, so that a bot gone quiet after a payload change says why.

mod drift;
mod entity;
mod envelope;
mod held;
mod probe;
mod recognise;
mod refers;
mod scan;

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::model::serde_util::Key;
use crate::model::{Action, EntityType, Message, Scope, User, UserChat};
use entity::{read_entity, read_typed};
use envelope::EntitySlot;
use held::HeldHead;
use scan::{ObjectEntries, position_in, read_string};

pub use entity::Entity;
pub use refers::Refers;

/// A body that cannot be a Channel event. Answered with `400 Bad Request`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body is not UTF-8.
    #[error("body is not UTF-8 (invalid byte at offset {valid_up_to}); Channel sends UTF-8 JSON")]
    NotUtf8 {
        /// Length of the valid UTF-8 prefix.
        valid_up_to: usize,
    },
    /// The body is not JSON (empty, truncated, trailing garbage, nested too deep).
    #[error("body is not valid JSON ({0}); Channel sends a JSON object")]
    NotJson(#[source] serde_json::Error),
    /// The body is JSON but not an object.
    #[error(
        "body is JSON but not an object; a Channel event looks like {{\"event\":…,\"type\":…,\"entity\":{{…}}}}"
    )]
    NotObject,
}

/// One webhook delivery: `{"event": …, "type": …, "entity": {…}, "refers": {…}}`.
///
/// Every envelope form Channel uses is recognised (see [`Event::entity_type`]): `type` in any
/// letter case, and a scope name such as `message.created.userChat` in `type` or `event`.
///
/// ```
/// use channeltalk_webhook::{Entity, Event};
/// use channeltalk_webhook::model::{Action, EntityType};
///
/// let event = Event::parse(r#"{"event":"push","type":"message","entity":{
///     "id":"m1","channelId":"1","chatType":"group","chatId":"g1","chatKey":"group-g1",
///     "personType":"manager","personId":"7","createdAt":1600158433443,
///     "plainText":"Hi! Webhook Test"},
///   "refers":{"manager":{"id":"7","name":"Kim"}}}"#)?;
/// assert_eq!(event.action(), Some(&Action::Push));
/// assert_eq!(event.entity_type(), Some(&EntityType::Message));
/// let message = event.message().expect("a message");
/// assert!(message.is_team_chat() && message.is_from_manager());
/// assert_eq!(event.refers().manager().and_then(|m| m.name.as_deref()), Some("Kim"));
///
/// // Types this SDK does not know still parse:
/// let other = Event::parse(r#"{"event":"push","type":"lead","entity":{"id":"1"}}"#)?;
/// assert!(matches!(other.entity(), Entity::Other(_)));
///
/// // A v5 delivery naming its scope in `event`, with no `type`:
/// let v5 = Event::parse(r#"{"event":"message.created.teamChat","entity":{
///     "id":"m2","channelId":"1","chatType":"group","chatId":"g1","chatKey":"group-g1",
///     "personType":"bot","personId":"b1","createdAt":1,"plainText":"echo: hi"}}"#)?;
/// assert_eq!(v5.scope(), Some(&channeltalk_webhook::model::Scope::MessageCreatedTeamChat));
/// assert_eq!(v5.action().map(Action::as_str), Some("message.created.teamChat"));
/// assert!(v5.message().is_some() && v5.is_from_bot());
/// # Ok::<(), channeltalk_webhook::ParseError>(())
/// ```
#[derive(Clone)]
pub struct Event {
    // Boxed: an event moves by value through the pipeline and into the handler's future, where
    // one pointer moves instead of a few hundred bytes at each step.
    inner: Box<Parsed>,
}

/// What [`Event::parse`] read.
#[derive(Clone)]
struct Parsed {
    action: Option<Action>,
    entity_type: Option<EntityType>,
    scope: Option<Scope>,
    /// The entity, typed at parse time, or when first asked for if the probe has vouched
    /// that it is a message that fits (`head`).
    entity: OnceLock<Entity>,
    /// For a message the probe vouched for: what the hot path reads, without typing it.
    head: Option<HeldHead>,
    refers: Refers,
    body: Bytes,
}

/// The same fields as ever, the entity typed.
impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("action", &self.inner.action)
            .field("entity_type", &self.inner.entity_type)
            .field("scope", &self.inner.scope)
            .field("entity", self.entity())
            .field("refers", &self.inner.refers)
            .field("body", &self.inner.body)
            .finish()
    }
}

impl Event {
    /// Parses a delivery body. Fails only when the body is not UTF-8, not JSON, or not a JSON
    /// object; a leading UTF-8 byte order mark is ignored.
    pub fn parse(body: impl Into<Bytes>) -> Result<Self, ParseError> {
        let body = body.into();
        let text = std::str::from_utf8(&body).map_err(|error| ParseError::NotUtf8 {
            valid_up_to: error.valid_up_to(),
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut envelope = envelope::read(text).map_err(|error| not_an_event(text, error))?;
        let action = envelope.event.and_then(read_string);
        let recognised = envelope.recognise().clone();
        let entity_type = recognised.entity_type;
        let (entity, head) = match envelope.entity {
            Some(EntitySlot::Typed(_, entity)) => (OnceLock::from(entity), None),
            Some(EntitySlot::Raw(raw)) => (
                OnceLock::from(read_entity(entity_type.as_ref(), Some(raw))),
                None,
            ),
            Some(EntitySlot::Probed {
                entity,
                head: Some(head),
            }) => (OnceLock::new(), Some(HeldHead::new(head, entity, &body))),
            // A message the probe could not vouch for: typed now.
            Some(EntitySlot::Probed { entity, head: None }) => (
                OnceLock::from(read_typed(&EntityType::Message, entity)),
                None,
            ),
            None => (OnceLock::from(Entity::Missing), None),
        };
        // `refers` is kept as a slice of the body (no copy), typed when first asked for.
        let refers = envelope
            .refers
            .and_then(|raw| slice_of(&body, raw))
            .map(Refers::from_source)
            .unwrap_or_default();
        Ok(Event {
            inner: Box::new(Parsed {
                action: action.map(|action| Action::from(action.0.as_ref())),
                entity_type,
                scope: recognised.scope,
                entity,
                head,
                refers,
                body,
            }),
        })
    }

    /// The action (`event`) exactly as sent, `"push"` or a scope name alike: `None` when
    /// absent or not a string.
    pub fn action(&self) -> Option<&Action> {
        self.inner.action.as_ref()
    }

    /// The model the entity holds, recognised from every envelope form Channel uses:
    ///
    /// - `type` naming a model in any letter case: `"message"`, `"Message"`, `"UserChat"`, …;
    /// - a scope name in `type` or `event` (`"message.created.userChat"`,
    ///   `"message.created.teamChat"`, `"userChat.opened"`, `"lead.upserted.contact"`,
    ///   `"member.deleted"`, …): the part before the first `.` names the model, and `lead` and
    ///   `member` are users;
    /// - otherwise `type` as sent ([`EntityType::Other`]).
    ///
    /// `None` when neither field says anything (no `type`, and no scope name in `event`).
    ///
    /// ```
    /// use channeltalk_webhook::{Event, model::EntityType};
    ///
    /// for body in [
    ///     r#"{"event":"push","type":"Message"}"#,
    ///     r#"{"type":"message.created.teamChat"}"#,
    ///     r#"{"event":"message.created.userChat"}"#,
    /// ] {
    ///     assert_eq!(Event::parse(body)?.entity_type(), Some(&EntityType::Message));
    /// }
    /// let lead = Event::parse(r#"{"event":"lead.upserted.contact","entity":{"id":"u1"}}"#)?;
    /// assert_eq!(lead.user().and_then(|u| u.id.as_deref()), Some("u1"));
    /// # Ok::<(), channeltalk_webhook::ParseError>(())
    /// ```
    pub fn entity_type(&self) -> Option<&EntityType> {
        self.inner.entity_type.as_ref()
    }

    /// The webhook scope the delivery names, when `event` or `type` holds a scope name
    /// (`event` first), kept as sent: [`Scope::Other`] for one this SDK does not know.
    pub fn scope(&self) -> Option<&Scope> {
        self.inner.scope.as_ref()
    }

    /// Whether the delivery carries something a bot wrote, whatever the envelope says: a
    /// message whose `personType` is `"bot"` in any letter case, typed or not (an
    /// [`Entity::Unparsed`] or [`Entity::Other`] entity is read for its `personType` alone).
    ///
    /// Your own quick replies come back to you as bot messages: a handler that answers them
    /// talks to itself. The receiver's default [`Policy`](crate::Policy) acknowledges such
    /// deliveries without calling the handler.
    ///
    /// ```
    /// use channeltalk_webhook::Event;
    ///
    /// let odd = Event::parse(r#"{"event":"push","type":"chatMessage","entity":{"personType":"Bot"}}"#)?;
    /// assert!(odd.message().is_none() && odd.is_from_bot());
    /// # Ok::<(), channeltalk_webhook::ParseError>(())
    /// ```
    pub fn is_from_bot(&self) -> bool {
        if let Some(head) = &self.inner.head {
            return head.from_bot;
        }
        match self.entity() {
            Entity::Message(message) => message.is_from_bot(),
            Entity::Unparsed { raw, .. } | Entity::Other(raw) => person_type_is_bot(raw.get()),
            // A typed user chat or user has no `personType`; look at what was sent anyway, in
            // case a bot's message came under another name.
            Entity::UserChat(_) | Entity::User(_) => std::str::from_utf8(self.json_bytes())
                .ok()
                .and_then(|text| last_field(text, "entity"))
                .is_some_and(|entity| person_type_is_bot(entity.get())),
            Entity::Missing => false,
        }
    }

    /// The entity. A message of the usual shape, checked against its model while the body
    /// was parsed, is built here the first time it is asked for (also by [`Event::message`]),
    /// once per event.
    pub fn entity(&self) -> &Entity {
        self.inner.entity.get_or_init(|| self.type_entity())
    }

    /// Takes the entity out of the event.
    pub fn into_entity(mut self) -> Entity {
        match self.inner.entity.take() {
            Some(entity) => entity,
            None => self.type_entity(),
        }
    }

    /// Types the entity the probe vouched for (see `probe`).
    fn type_entity(&self) -> Entity {
        match (&self.inner.head, &self.inner.entity_type) {
            (Some(head), Some(kind)) => read_typed(kind, head.entity.get(&self.inner.body)),
            _ => Entity::Missing,
        }
    }

    /// The text of the message this delivery carries: the same as
    /// `event.message()?.text()` ([`Message::text`]), but read straight from the body when
    /// Channel sent the message's `plainText`, without typing the whole message. `None` when
    /// the event is not a message, or the message has no text.
    ///
    /// ```
    /// use channeltalk_webhook::Event;
    ///
    /// let event = Event::parse(r#"{"event":"push","type":"message","entity":{
    ///     "id":"m1","channelId":"1","chatType":"userChat","chatId":"c1","chatKey":"userChat-c1",
    ///     "personType":"user","personId":"u1","createdAt":1,"plainText":"Hello"}}"#)?;
    /// assert_eq!(event.text().as_deref(), Some("Hello"));
    /// assert_eq!(event.text(), event.message().and_then(|message| message.text()));
    /// # Ok::<(), channeltalk_webhook::ParseError>(())
    /// ```
    pub fn text(&self) -> Option<Cow<'_, str>> {
        if let Some(text) = self
            .inner
            .head
            .as_ref()
            .and_then(|head| head.plain_text.as_ref())
        {
            let text = text.get(&self.inner.body);
            if !text.is_empty() {
                return Some(Cow::Borrowed(text));
            }
        }
        self.message()?.text()
    }

    /// The message's id, for a message event: what a repeated delivery of one message shares,
    /// and what deduplication, deferred jobs and dialogues key on. Read without typing the
    /// whole message.
    pub fn message_id(&self) -> Option<&str> {
        match &self.inner.head {
            Some(head) => Some(head.id.get(&self.inner.body)),
            None => self.message().map(|message| message.id.as_str()),
        }
    }

    /// The message's chat type as sent, for a message event.
    pub(crate) fn message_chat_type(&self) -> Option<&str> {
        match &self.inner.head {
            Some(head) => Some(head.chat_type.get(&self.inner.body)),
            None => self.message().map(|message| message.chat_type.as_str()),
        }
    }

    /// The related models.
    pub fn refers(&self) -> &Refers {
        &self.inner.refers
    }

    /// The body exactly as received, for anything this SDK does not model.
    pub fn body(&self) -> &Bytes {
        &self.inner.body
    }

    /// The whole body as a [`serde_json::Value`] (parsed on each call). Fails for the rare
    /// bodies a `Value` cannot hold although they are valid JSON (numbers beyond `f64`, lone
    /// surrogate escapes, nesting deeper than 128); [`Event::body`] always has them.
    pub fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(self.json_bytes())
    }

    /// The message, for a message event.
    pub fn message(&self) -> Option<&Message> {
        match self.entity() {
            Entity::Message(message) => Some(message),
            _ => None,
        }
    }

    /// The user chat, for a user-chat event.
    pub fn user_chat(&self) -> Option<&UserChat> {
        match self.entity() {
            Entity::UserChat(chat) => Some(chat),
            _ => None,
        }
    }

    /// The user, for a user event.
    pub fn user(&self) -> Option<&User> {
        match self.entity() {
            Entity::User(user) => Some(user),
            _ => None,
        }
    }

    /// Whether the entity is modelled but did not fit (see [`Entity::Unparsed`]).
    pub fn is_unparsed(&self) -> bool {
        matches!(self.entity(), Entity::Unparsed { .. })
    }

    fn json_bytes(&self) -> &[u8] {
        self.inner
            .body
            .strip_prefix("\u{feff}".as_bytes())
            .unwrap_or(&self.inner.body)
    }
}

impl Serialize for Event {
    /// Serializes the body as received.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = std::str::from_utf8(self.json_bytes()).map_err(serde::ser::Error::custom)?;
        let raw: &RawValue = serde_json::from_str(text).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// Classifies a body the envelope could not be read from: valid JSON of another kind is
/// [`ParseError::NotObject`], anything else [`ParseError::NotJson`] with the syntax error.
fn not_an_event(text: &str, error: serde_json::Error) -> ParseError {
    if !error.is_data() {
        return ParseError::NotJson(error);
    }
    // A type error can come before a syntax error (`"a"}`): check the whole body is JSON.
    // `RawValue` skips values without a depth limit, so deep but valid JSON counts as JSON.
    match serde_json::from_str::<&RawValue>(text) {
        Ok(_) => ParseError::NotObject,
        Err(syntax) => ParseError::NotJson(syntax),
    }
}

/// The last value of the key `name` in the JSON object `object` (last wins, as in JSON).
fn last_field<'a>(object: &'a str, name: &str) -> Option<&'a RawValue> {
    let ObjectEntries(entries) = serde_json::from_str(object).ok()?;
    entries
        .into_iter()
        .rev()
        .find(|(Key(key), _)| key == name)
        .map(|(_, value)| value)
}

/// Whether the JSON object `entity` has `"personType": "bot"` (any letter case).
fn person_type_is_bot(entity: &str) -> bool {
    last_field(entity, "personType")
        .map(RawValue::get)
        .and_then(read_string)
        .is_some_and(|Key(person)| person.eq_ignore_ascii_case("bot"))
}

/// `part`, a slice of the text of `body`, as a slice of `body` itself (shared, not copied).
fn slice_of(body: &Bytes, part: &str) -> Option<Bytes> {
    position_in(body, part).map(|range| body.slice(range))
}
