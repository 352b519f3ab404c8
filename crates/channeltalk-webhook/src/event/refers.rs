//! [`Refers`]: the related models sent beside the entity, kept as the slice of the body they
//! came in and typed only when first asked for, with its two readers (all entries in one pass,
//! or one by one when an entry does not fit).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::scan::ObjectEntries;
use crate::model::serde_util::Key;
use crate::model::{Bot, Group, Manager, Message, User, UserChat};

/// The related models sent beside the entity (`refers`).
///
/// The common ones are typed; [`Refers::get`] reads any entry (`veil`, future ones) as any
/// type. An entry that does not fit its typed model is left out of the typed accessor but
/// stays readable through [`Refers::get`] and [`Refers::raw`].
///
/// The typed entries are read from the raw `refers` the first time one of them is asked
/// for (most handlers never ask), once per event.
#[derive(Clone, Default)]
pub struct Refers {
    /// `refers` as sent: a slice of the body (UTF-8, valid JSON), not a copy.
    source: Option<Bytes>,
    raw: OnceLock<Option<Box<RawValue>>>,
    // Boxed: the typed entries are large, and most events never type them.
    typed: OnceLock<Box<TypedEntries>>,
}

/// The typed entries of `refers`.
#[derive(Clone, Debug, Default)]
struct TypedEntries {
    manager: Option<Manager>,
    group: Option<Group>,
    user: Option<User>,
    user_chat: Option<UserChat>,
    bot: Option<Bot>,
    message: Option<Box<Message>>,
}

impl fmt::Debug for Refers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let typed = self.typed();
        f.debug_struct("Refers")
            .field("manager", &typed.manager)
            .field("group", &typed.group)
            .field("user", &typed.user)
            .field("user_chat", &typed.user_chat)
            .field("bot", &typed.bot)
            .field("message", &typed.message)
            .field("raw", &self.raw())
            .finish()
    }
}

impl Refers {
    /// `refers` as sent (`source`: its JSON, sliced from the body), its entries typed when
    /// first asked for.
    pub(super) fn from_source(source: Bytes) -> Self {
        Refers {
            source: Some(source),
            raw: OnceLock::new(),
            typed: OnceLock::new(),
        }
    }

    /// The JSON text of `refers`.
    fn text(&self) -> Option<&str> {
        std::str::from_utf8(self.source.as_deref()?).ok()
    }

    fn typed(&self) -> &TypedEntries {
        self.typed.get_or_init(|| {
            Box::new(match self.text() {
                Some(text) => read_refers(text),
                None => TypedEntries::default(),
            })
        })
    }

    /// The manager who wrote the message, or the one concerned.
    pub fn manager(&self) -> Option<&Manager> {
        self.typed().manager.as_ref()
    }
    /// The team chat the message was posted in.
    pub fn group(&self) -> Option<&Group> {
        self.typed().group.as_ref()
    }
    /// The customer concerned.
    pub fn user(&self) -> Option<&User> {
        self.typed().user.as_ref()
    }
    /// The user chat the message was posted in.
    pub fn user_chat(&self) -> Option<&UserChat> {
        self.typed().user_chat.as_ref()
    }
    /// The bot that wrote the message.
    pub fn bot(&self) -> Option<&Bot> {
        self.typed().bot.as_ref()
    }
    /// A message sent beside a non-message entity (some integrations send it with `userChat`).
    pub fn message(&self) -> Option<&Message> {
        self.typed().message.as_deref()
    }
    /// `refers` exactly as sent, if it was present.
    pub fn raw(&self) -> Option<&RawValue> {
        self.raw
            .get_or_init(|| {
                let text = self.text()?;
                serde_json::from_str::<&RawValue>(text)
                    .ok()
                    .map(ToOwned::to_owned)
            })
            .as_deref()
    }
    /// Reads the entry `name` as `T`: `None` when there is no such entry, `Some(Err)` when it
    /// does not fit `T`.
    ///
    /// ```
    /// # use channeltalk_webhook::Event;
    /// let event = Event::parse(r#"{"event":"push","type":"message","refers":{"veil":{"id":"v1"}}}"#)?;
    /// let veil: serde_json::Value = event.refers().get("veil").expect("present")?;
    /// assert_eq!(veil["id"], "v1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Option<Result<T, serde_json::Error>> {
        let entries: HashMap<Cow<'_, str>, &RawValue> = serde_json::from_str(self.text()?).ok()?;
        entries
            .get(name)
            .map(|entry| serde_json::from_str(entry.get()))
    }
}

fn read_refers(text: &str) -> TypedEntries {
    // Fast path: every entry typed in one pass; if one does not fit, read them one by one.
    match serde_json::from_str::<TypedRefers>(text) {
        Ok(TypedRefers(refers)) => refers,
        Err(_) => read_refers_one_by_one(text),
    }
}

/// `refers` read typed in one pass: fails if any known entry does not fit its model.
struct TypedRefers(TypedEntries);

impl<'de> Deserialize<'de> for TypedRefers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TypedRefersVisitor;
        impl<'de> Visitor<'de> for TypedRefersVisitor {
            type Value = TypedRefers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut refers = TypedEntries::default();
                while let Some(Key(name)) = access.next_key::<Key<'de>>()? {
                    match name.as_ref() {
                        "manager" => refers.manager = access.next_value()?,
                        "group" => refers.group = access.next_value()?,
                        "user" => refers.user = access.next_value()?,
                        "userChat" => refers.user_chat = access.next_value()?,
                        "bot" => refers.bot = access.next_value()?,
                        "message" => refers.message = access.next_value()?,
                        _ => {
                            access.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(TypedRefers(refers))
            }
        }
        deserializer.deserialize_map(TypedRefersVisitor)
    }
}

fn read_refers_one_by_one(text: &str) -> TypedEntries {
    let mut refers = TypedEntries::default();
    let Ok(ObjectEntries(entries)) = serde_json::from_str(text) else {
        tracing::debug!("refers is not an object; kept raw only");
        return refers;
    };
    for (Key(name), entry) in entries {
        fn typed<T: DeserializeOwned>(name: &str, entry: &RawValue) -> Option<T> {
            if entry.get() == "null" {
                return None;
            }
            serde_json::from_str(entry.get())
                .inspect_err(|error| tracing::debug!(refer = name, %error, "refers entry does not fit the typed model"))
                .ok()
        }
        match name.as_ref() {
            "manager" => refers.manager = typed(&name, entry),
            "group" => refers.group = typed(&name, entry),
            "user" => refers.user = typed(&name, entry),
            "userChat" => refers.user_chat = typed(&name, entry),
            "bot" => refers.bot = typed(&name, entry),
            "message" => refers.message = typed(&name, entry),
            _ => {}
        }
    }
    refers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    const BODY: &str = r#"{"event":"push","type":"message","entity":{"id":"m1","channelId":"1",
        "chatType":"group","chatId":"g1","chatKey":"group-g1","personType":"manager",
        "personId":"7","createdAt":1,"plainText":"hi"},
        "refers":{"manager":{"id":"7","name":"Kim"}, "veil" : {"id":"v1"}}}"#;

    #[test]
    fn refers_is_the_slice_sent_and_typed_once_when_asked() {
        let event = Event::parse(BODY).unwrap();
        let refers = event.refers();
        assert!(refers.typed.get().is_none(), "typed before anyone asked");
        assert_eq!(
            refers.raw().map(RawValue::get),
            Some(r#"{"manager":{"id":"7","name":"Kim"}, "veil" : {"id":"v1"}}"#)
        );
        let source = refers.source.as_ref().unwrap();
        assert!(
            event.body().as_ptr_range().contains(&source.as_ptr()),
            "copied"
        );
        let copy = event.clone();
        assert_eq!(
            refers.manager().and_then(|m| m.name.as_deref()),
            Some("Kim")
        );
        assert!(refers.typed.get().is_some());
        assert_eq!(copy.refers().manager(), refers.manager());
        assert_eq!(format!("{:?}", copy.refers()), format!("{refers:?}"));
        let veil: serde_json::Value = refers.get("veil").unwrap().unwrap();
        assert_eq!(veil["id"], "v1");
    }

    #[test]
    fn no_refers_reads_as_empty() {
        let event = Event::parse(r#"{"event":"push","type":"message"}"#).unwrap();
        assert!(event.refers().raw().is_none());
        assert!(event.refers().manager().is_none());
        assert!(event.refers().get::<serde_json::Value>("veil").is_none());
    }
}
