//! [`Entity`]: what an event's `entity` holds, and the one way an entity's JSON text becomes
//! it (typed for the modelled types, kept raw for the others, `Unparsed` with the reason when a
//! modelled one does not fit), shared by the envelope pass and the event.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::drift;
use crate::model::{EntityType, Message, User, UserChat};

/// What the event's `entity` holds.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Entity {
    /// A message (`"type":"message"`, any letter case, or a `message.…` scope).
    Message(Box<Message>),
    /// A user chat (`"type":"userChat"`, any letter case, or a `userChat.…` scope).
    UserChat(Box<UserChat>),
    /// A user (`"type":"user"`, any letter case, or a `lead.…` / `member.…` scope).
    User(Box<User>),
    /// An entity of a type this SDK does not model (or no type at all), kept as sent.
    Other(Box<RawValue>),
    /// An entity of a known type whose JSON does not fit the typed model: schema drift.
    Unparsed {
        /// The type the envelope announced.
        expected: EntityType,
        /// The entity as sent.
        raw: Box<RawValue>,
        /// Why it did not fit, e.g. `invalid type: string "1", expected i64 at line 1 column 12`.
        reason: String,
    },
    /// No `entity`, or `"entity": null`.
    Missing,
}

/// The entity `raw` (its JSON text) of `entity_type`, typed now.
pub(super) fn read_entity(entity_type: Option<&EntityType>, raw: Option<&str>) -> Entity {
    let Some(raw) = raw.filter(|raw| *raw != "null") else {
        return Entity::Missing;
    };
    match entity_type {
        Some(kind @ (EntityType::Message | EntityType::UserChat | EntityType::User)) => {
            read_typed(kind, raw)
        }
        Some(EntityType::Other(kind)) => {
            let shown: String = kind.chars().take(64).collect();
            drift::warn("other entity", &format!("type {shown:?} is not modelled"));
            Entity::Other(owned_raw(raw))
        }
        None => {
            drift::warn("other entity", "the envelope names no type");
            Entity::Other(owned_raw(raw))
        }
    }
}

/// The entity `text` (JSON, not `null`) of a modelled type, typed: `Unparsed` if it does not
/// fit, `Other` if `expected` is not modelled.
pub(super) fn read_typed(expected: &EntityType, text: &str) -> Entity {
    fn typed<T: DeserializeOwned>(
        expected: &EntityType,
        text: &str,
        wrap: impl FnOnce(Box<T>) -> Entity,
    ) -> Entity {
        match serde_json::from_str::<Box<T>>(text) {
            Ok(value) => wrap(value),
            Err(error) => {
                let reason = error.to_string();
                drift::warn(unparsed_kind(expected), &reason);
                Entity::Unparsed {
                    expected: expected.clone(),
                    raw: owned_raw(text),
                    reason,
                }
            }
        }
    }
    match expected {
        EntityType::Message => typed(expected, text, Entity::Message),
        EntityType::UserChat => typed(expected, text, Entity::UserChat),
        EntityType::User => typed(expected, text, Entity::User),
        EntityType::Other(_) => Entity::Other(owned_raw(text)),
    }
}

/// A copy of `text`, which is JSON (a slice of a body already read).
fn owned_raw(text: &str) -> Box<RawValue> {
    RawValue::from_string(text.to_owned()).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

/// The drift-log kind of an entity of `expected` type that did not fit.
fn unparsed_kind(expected: &EntityType) -> &'static str {
    match expected {
        EntityType::Message => "unparsed message",
        EntityType::UserChat => "unparsed userChat",
        EntityType::User => "unparsed user",
        EntityType::Other(_) => "unparsed entity",
    }
}
