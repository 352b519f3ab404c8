//! The envelope pass: one reading of a delivery's top-level object that finds `event`,
//! `type`, the entity and `refers`.
//!
//! Two readers give the same [`Envelope`]:
//!
//! - the fast one walks the body with [`scan`](super::scan), hands the entity alone to the
//!   [probe](super::probe) (a message) or to serde (the typed model of a user chat or a
//!   user), and steps over `refers` and unknown keys without building anything. It takes the
//!   body as Channel sends it: `type` before the entity, keys without escapes, nesting within
//!   the scanner's limit, a user chat or user that fits its model;
//! - the tolerant one, for everything else, reads every part raw with serde_json and leaves
//!   the entity to be typed once its type is known; its errors are the ones reported.
//!
//! Repeated keys: the last one wins, in both.

use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::entity::Entity;
use super::probe::{self, Head, Probe};
use super::recognise;
use super::scan::{self, first_value, read_string};
use crate::model::serde_util::Key;
use crate::model::{EntityType, User, UserChat};

/// The envelope's parts, each the JSON text sent (a slice of the body).
#[derive(Default)]
pub(super) struct Envelope<'a> {
    pub(super) event: Option<&'a str>,
    pub(super) kind: Option<&'a str>,
    pub(super) entity: Option<EntitySlot<'a>>,
    pub(super) refers: Option<&'a str>,
    /// The last recognition of `type` and `event`, with the values it was made from.
    recognised: Option<Recognition<'a>>,
}

/// The entity as the envelope pass read it.
pub(super) enum EntitySlot<'a> {
    /// Left raw: its type was not known yet, or the tolerant reader read it.
    Raw(&'a str),
    /// Read straight into its typed model, for the type announced before it.
    Typed(EntityType, Entity),
    /// A message object read by the probe: its text, and what the probe found.
    Probed {
        entity: &'a str,
        head: Option<Head<'a>>,
    },
}

/// What `type` and `event` said, and the values that said it.
struct Recognition<'a> {
    kind: Option<&'a str>,
    event: Option<&'a str>,
    result: recognise::Recognised,
}

/// Reads the envelope of `text` (a body without its byte-order mark).
pub(super) fn read(text: &str) -> Result<Envelope<'_>, serde_json::Error> {
    match read_fast(text) {
        Some(envelope) => Ok(envelope),
        None => read_tolerant(text),
    }
}

impl<'a> Envelope<'a> {
    /// Recognises the envelope from its `type` and `event` so far: read once, and again only
    /// when a repeated `type` or `event` has replaced one of them since.
    pub(super) fn recognise(&mut self) -> &recognise::Recognised {
        let (kind, event) = (self.kind, self.event);
        if !matches!(&self.recognised, Some(r) if same(r.kind, kind) && same(r.event, event)) {
            self.recognised = None;
        }
        &self
            .recognised
            .get_or_insert_with(|| Recognition {
                kind,
                event,
                result: recognise::recognise(
                    kind.and_then(read_string).as_ref().map(|k| k.0.as_ref()),
                    event.and_then(read_string).as_ref().map(|e| e.0.as_ref()),
                ),
            })
            .result
    }

    /// Reads the entity starting at `start` in `text` the fast way, for the type announced
    /// so far: the index after it, `None` if it cannot be read so.
    fn read_entity(&mut self, text: &'a str, start: usize) -> Option<usize> {
        let rest = text.get(start..)?;
        let (slot, length) = match self.recognise().entity_type.clone() {
            Some(EntityType::Message) => {
                let (probe, length) = probe::read(rest)?;
                let slot = match probe {
                    Probe::Null => EntitySlot::Typed(EntityType::Message, Entity::Missing),
                    Probe::Object(head) => EntitySlot::Probed {
                        entity: rest.get(..length)?,
                        head,
                    },
                };
                (slot, length)
            }
            Some(kind @ EntityType::UserChat) => {
                let (chat, length) = first_value::<Option<Box<UserChat>>>(rest)?;
                let entity = chat.map_or(Entity::Missing, Entity::UserChat);
                (EntitySlot::Typed(kind, entity), length)
            }
            Some(kind @ EntityType::User) => {
                let (user, length) = first_value::<Option<Box<User>>>(rest)?;
                let entity = user.map_or(Entity::Missing, Entity::User);
                (EntitySlot::Typed(kind, entity), length)
            }
            _ => {
                let (length, _) = scan::value(rest.as_bytes(), 0)?;
                (EntitySlot::Raw(rest.get(..length)?), length)
            }
        };
        self.entity = Some(slot);
        Some(start + length)
    }

    /// Whether an entity read for the type announced before it is still of the type the
    /// envelope ends up naming (a `type` or `event` after the entity may change it).
    fn entity_type_holds(&mut self) -> bool {
        let read_as = match &self.entity {
            Some(EntitySlot::Typed(kind, _)) => kind.clone(),
            Some(EntitySlot::Probed { .. }) => EntityType::Message,
            Some(EntitySlot::Raw(_)) | None => return true,
        };
        self.recognise().entity_type.as_ref() == Some(&read_as)
    }
}

/// Whether two parts are the same slice of the body (or both absent).
fn same(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => std::ptr::eq(a, b),
        _ => false,
    }
}

/// The fast reader; `None` for anything it does not take (see the module's documentation).
fn read_fast(text: &str) -> Option<Envelope<'_>> {
    let bytes = text.as_bytes();
    let mut envelope = Envelope::default();
    let end = scan::object(text, scan::whitespace(bytes, 0), |key, start| {
        let end = match key {
            "entity" => envelope.read_entity(text, start)?,
            _ => scan::value(bytes, start)?.0,
        };
        let part = text.get(start..end);
        match key {
            "event" => envelope.event = part,
            "type" => envelope.kind = part,
            "refers" => envelope.refers = part,
            _ => {}
        }
        Some(end)
    })?;
    (scan::whitespace(bytes, end) == bytes.len() && envelope.entity_type_holds())
        .then_some(envelope)
}

/// The tolerant reader: every part raw.
fn read_tolerant(text: &str) -> Result<Envelope<'_>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let envelope = deserializer.deserialize_map(TolerantVisitor)?;
    deserializer.end()?;
    Ok(envelope)
}

struct TolerantVisitor;

impl<'de> Visitor<'de> for TolerantVisitor {
    type Value = Envelope<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Channel event (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut envelope = Envelope::default();
        while let Some(Key(key)) = access.next_key::<Key<'de>>()? {
            let part = match key.as_ref() {
                "event" => &mut envelope.event,
                "type" => &mut envelope.kind,
                "refers" => &mut envelope.refers,
                "entity" => {
                    let raw: &'de RawValue = access.next_value()?;
                    envelope.entity = Some(EntitySlot::Raw(raw.get()));
                    continue;
                }
                _ => {
                    access.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let raw: &'de RawValue = access.next_value()?;
            *part = Some(raw.get());
        }
        Ok(envelope)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Both readers find the same parts wherever the fast one reads the body: `event`, `type`
    /// and `refers` as the same slices, the entity as the same text (probed or raw) or, when
    /// read typed, as what the tolerant reader's raw entity types to.
    fn agree(body: &str) -> bool {
        let Some(mut fast) = read_fast(body) else {
            return false;
        };
        let mut tolerant = read_tolerant(body)
            .unwrap_or_else(|error| panic!("fast read what serde_json refuses ({error}): {body}"));
        assert_eq!(fast.event, tolerant.event, "{body}");
        assert_eq!(fast.kind, tolerant.kind, "{body}");
        assert_eq!(fast.refers, tolerant.refers, "{body}");
        assert_eq!(fast.recognise(), tolerant.recognise(), "{body}");
        let raw = match &tolerant.entity {
            Some(EntitySlot::Raw(raw)) => Some(*raw),
            None => None,
            Some(_) => panic!("the tolerant reader typed the entity: {body}"),
        };
        match &fast.entity {
            None => assert_eq!(raw, None, "{body}"),
            Some(EntitySlot::Raw(text) | EntitySlot::Probed { entity: text, .. }) => {
                assert_eq!(raw, Some(*text), "{body}");
            }
            Some(EntitySlot::Typed(kind, entity)) => assert_eq!(
                format!("{entity:?}"),
                format!("{:?}", super::super::entity::read_entity(Some(kind), raw)),
                "{body}"
            ),
        }
        true
    }

    fn fixtures() -> Vec<String> {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut bodies: Vec<String> = std::fs::read_dir(directory)
            .unwrap()
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
            .collect();
        bodies.sort();
        bodies
    }

    #[test]
    fn both_readers_agree_on_every_fixture_and_the_fast_one_reads_them() {
        for body in fixtures() {
            assert!(agree(&body), "not read the fast way: {body}");
        }
    }

    #[test]
    fn the_fast_reader_stands_aside_for_the_rest() {
        for body in [
            // Bad JSON: the tolerant reader reports it.
            r#"{"type":"message","refers":{"a":01}}"#,
            r#"{"type":"message"} x"#,
            r#"{"type":"message",}"#,
            // Not an object.
            r#"["type"]"#,
            // A key with escapes.
            r#"{"\u0074ype":"message"}"#,
            // A type after the entity that changes what it is.
            r#"{"type":"message","entity":null,"type":"userChat"}"#,
            // Drift in a typed entity: the tolerant reader's entity reports it.
            r#"{"type":"userChat","entity":{"id":5}}"#,
        ] {
            assert!(read_fast(body).is_none(), "{body}");
        }
        assert!(agree(r#"{"type":"message","entity":null}"#));
        assert!(agree("{}"));
    }

    /// Envelopes: known and unknown keys in any order, repeated or not, with values of the
    /// right and the wrong kind, the entities of the fixtures among them.
    fn envelope() -> impl Strategy<Value = String> {
        let mut values: Vec<String> = [
            r#""push""#,
            r#""message""#,
            r#""UserChat""#,
            r#""user""#,
            r#""message.created.userChat""#,
            r#""somethingNew""#,
            r#""mes\u0073age""#,
            "null",
            "1",
            "[]",
            r#"{"manager":{"id":"1","ids":["1"]},"x":1.5e3}"#,
            r#"{"id":5}"#,
            r#"{"a":01}"#,
        ]
        .map(str::to_owned)
        .to_vec();
        for body in fixtures() {
            let value: serde_json::Value = serde_json::from_str(&body).unwrap();
            for part in ["entity", "refers"] {
                if let Some(part) = value.get(part) {
                    values.push(part.to_string());
                }
            }
        }
        let key = prop::sample::select(vec!["event", "type", "entity", "refers", "other"]);
        let space = prop::sample::select(vec!["", " ", "\n\t"]);
        let member = (key, prop::sample::select(values), space);
        proptest::collection::vec(member, 0..6).prop_map(|members| {
            let members: Vec<String> = members
                .into_iter()
                .map(|(key, value, space)| format!("{space}\"{key}\"{space}:{space}{value}{space}"))
                .collect();
            format!("{{{}}}", members.join(","))
        })
    }

    proptest! {
        #[test]
        fn both_readers_agree(body in envelope()) {
            agree(&body);
        }
    }
}
