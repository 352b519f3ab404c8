//! The message probe: one pass over a message entity, in the envelope pass, that proves the
//! entity fits [`Message`](crate::model::Message) without building it, and keeps where the
//! fields a handler reads first (id, chat type, `personType`, `plainText`) are in the body.
//!
//! Typing a whole message costs about as much as the rest of a delivery's handling: a dozen
//! owned strings and lists, allocated and freed, for a handler that mostly reads the text. So
//! a message entity of the usual shape is typed only when first asked for, and the bot check,
//! the repeat check, the delivery's span and [`Event::text`](crate::Event::text) read from
//! the body instead.
//!
//! The probe vouches for a message (gives its [`Head`]) only when typing the entity is certain
//! to succeed: every field it knows holds a value the model accepts, no known field is
//! repeated, every required field is present. Otherwise (schema drift, a repeated or missing
//! field) the message has no head and is typed at once, which says why it does not fit. So the
//! probe changes when a message is typed, never what it is typed to.
//!
//! The probe has two readings of the same rules. [`read`] first walks the entity with the
//! [scanner](super::scan), which settles the usual message (keys without escapes, every known
//! field of its shape, none repeated or missing, no value a `serde_json::Value` might refuse)
//! without serde; anything else goes to the serde reading (`Probe`'s `Deserialize`), which
//! says what does not fit. A property test holds the two to the same answer.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::scan::{self, Escapes};
use crate::model::serde_util::Key;

/// What the probe found in a message entity.
pub(super) enum Probe<'de> {
    /// `"entity": null`.
    Null,
    /// An object, and what it holds when typing it as a message is certain to succeed.
    Object(Option<Head<'de>>),
}

/// The fields read first, borrowed from the body (owned only when the JSON string has
/// escapes).
pub(super) struct Head<'de> {
    pub(super) id: Cow<'de, str>,
    pub(super) chat_type: Cow<'de, str>,
    pub(super) person_type: Cow<'de, str>,
    pub(super) plain_text: Option<Cow<'de, str>>,
}

/// Probes the message entity at the start of `text`: what the probe found, and the length of
/// the entity's text. `None` where the JSON is bad or the entity is neither an object nor
/// `null`: the envelope is then read the tolerant way, which says why.
pub(super) fn read(text: &str) -> Option<(Probe<'_>, usize)> {
    read_plain(text).or_else(|| scan::first_value::<Probe<'_>>(text))
}

/// The scanner's reading: the usual message, vouched for, or `None` for anything else (then
/// the serde reading decides).
fn read_plain(text: &str) -> Option<(Probe<'_>, usize)> {
    let bytes = text.as_bytes();
    let mut fields = Fields::default();
    let end = scan::object(text, 0, |key, start| match known(key) {
        None => Some(scan::value(bytes, start)?.0),
        Some((bit, shape)) => {
            if !fields.first(bit) {
                return None;
            }
            let (end, text) = shape.read_plain(text, start)?;
            if let Some(text) = text {
                fields.keep(bit, text);
            }
            Some(end)
        }
    })?;
    Some((Probe::Object(Some(fields.head()?)), end))
}

/// The known fields a reading has met so far, and the head's strings among them: one piece
/// for both readings.
#[derive(Default)]
struct Fields<'de> {
    /// A bit per known field met.
    met: u32,
    id: Option<Cow<'de, str>>,
    chat_type: Option<Cow<'de, str>>,
    person_type: Option<Cow<'de, str>>,
    plain_text: Option<Cow<'de, str>>,
}

impl<'de> Fields<'de> {
    /// Notes field `bit`; `false` if it was met before (the model refuses a repeated field).
    fn first(&mut self, bit: u32) -> bool {
        let first = self.met & bit == 0;
        self.met |= bit;
        first
    }

    /// Keeps the string of field `bit` if it is one of the head's.
    fn keep(&mut self, bit: u32, text: Cow<'de, str>) {
        match bit {
            ID => self.id = Some(text),
            CHAT_TYPE => self.chat_type = Some(text),
            PERSON_TYPE => self.person_type = Some(text),
            PLAIN_TEXT => self.plain_text = Some(text),
            _ => {}
        }
    }

    /// The head, when every required field was met (with a string where one is required).
    fn head(self) -> Option<Head<'de>> {
        if self.met & REQUIRED != REQUIRED {
            return None;
        }
        Some(Head {
            id: self.id?,
            chat_type: self.chat_type?,
            person_type: self.person_type?,
            plain_text: self.plain_text,
        })
    }
}

/// Reads a message entity. Fails where the JSON is bad or the entity is neither an object
/// nor `null`: the envelope is then read the tolerant way, which says why.
impl<'de> Deserialize<'de> for Probe<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(ProbeVisitor)
    }
}

struct ProbeVisitor;

impl<'de> Visitor<'de> for ProbeVisitor {
    type Value = Probe<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message (a JSON object) or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Probe::Null)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Probe::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let (mut fields, mut sure) = (Fields::default(), true);
        while let Some(Key(key)) = access.next_key::<Key<'de>>()? {
            let Some((bit, shape)) = known(&key) else {
                // Unknown fields are skipped by the model as by the probe.
                access.next_value::<IgnoredAny>()?;
                continue;
            };
            sure &= fields.first(bit);
            // One reader for every value (a small hot path); a value the model would refuse
            // leaves the message without a head, typed at once, which says why it does not fit.
            let value = access.next_value::<Json<'de>>()?;
            sure &= shape.holds(&value);
            if let Json::Text(text) = value {
                fields.keep(bit, text);
            }
        }
        let head = if sure { fields.head() } else { None };
        Ok(Probe::Object(head))
    }
}

/// What a known field's value must be for the model to accept it.
#[derive(Clone, Copy)]
enum Shape {
    /// A string (`String`, an open enum).
    Text,
    /// `null` or a string (`Option<String>`, an optional open enum).
    OptionalText,
    /// An integer that fits `i64` (`Timestamp`).
    Integer,
    /// `null` or an integer that fits `i64` (`Option<i64>`, `Option<Timestamp>`).
    OptionalInteger,
    /// `null`, `true` or `false`.
    OptionalBool,
    /// `null` or a list of anything a `serde_json::Value` holds (blocks, buttons, files,
    /// reactions: an entry that does not fit its model is kept as `Value`).
    List,
    /// `null` or a list of strings (`options`).
    Strings,
    /// Anything a `serde_json::Value` holds (`marketing`, `supportBot`, `workflow`).
    Json,
}

impl Shape {
    /// The value at `start` in `text`, read by the scanner when it certainly has this shape:
    /// the index after it, and the string when it is one. `None` when it is not certain (the
    /// serde reading decides).
    fn read_plain(self, text: &str, start: usize) -> Option<(usize, Option<Cow<'_, str>>)> {
        let bytes = text.as_bytes();
        let literal = |word: &[u8]| {
            (bytes.get(start..start + word.len()) == Some(word))
                .then_some((start + word.len(), None))
        };
        match (self, *bytes.get(start)?) {
            (Shape::Text | Shape::OptionalText, b'"') => {
                let (end, escapes) = scan::string(bytes, start + 1)?;
                let string = match escapes {
                    Escapes::None => Cow::Borrowed(text.get(start + 1..end - 1)?),
                    // Decoded by serde_json, which refuses a lone surrogate as the model does.
                    Escapes::Plain | Escapes::Surrogate => {
                        Cow::Owned(serde_json::from_str::<String>(text.get(start..end)?).ok()?)
                    }
                };
                Some((end, Some(string)))
            }
            (
                Shape::OptionalText
                | Shape::OptionalInteger
                | Shape::OptionalBool
                | Shape::List
                | Shape::Strings,
                b'n',
            ) => literal(b"null"),
            (Shape::Integer | Shape::OptionalInteger, _) => {
                let (end, _) = scan::number(bytes, start)?;
                // Digits and a sign only, within `i64` (`1.0` and `1e3` are not integers).
                text.get(start..end)?.parse::<i64>().ok()?;
                Some((end, None))
            }
            (Shape::OptionalBool, b't') => literal(b"true"),
            (Shape::OptionalBool, b'f') => literal(b"false"),
            (Shape::Strings, b'[') => {
                // Strings, none with a surrogate escape (maybe a lone one).
                let mut at = scan::whitespace(bytes, start + 1);
                if bytes.get(at) == Some(&b']') {
                    return Some((at + 1, None));
                }
                loop {
                    if bytes.get(at) != Some(&b'"') {
                        return None;
                    }
                    let (end, escapes) = scan::string(bytes, at + 1)?;
                    at = scan::whitespace(bytes, end);
                    match (escapes, *bytes.get(at)?) {
                        (Escapes::Surrogate, _) => return None,
                        (_, b',') => at = scan::whitespace(bytes, at + 1),
                        (_, b']') => return Some((at + 1, None)),
                        _ => return None,
                    }
                }
            }
            (Shape::List, b'[') | (Shape::Json, _) => match scan::value(bytes, start)? {
                (end, true) => Some((end, None)),
                (_, false) => None,
            },
            _ => None,
        }
    }

    /// Whether the model accepts `value` for a field of this shape.
    fn holds(self, value: &Json<'_>) -> bool {
        match (self, value) {
            (Shape::Text | Shape::OptionalText, Json::Text(_)) => true,
            (Shape::Integer | Shape::OptionalInteger, Json::Integer) => true,
            (Shape::OptionalBool, Json::Bool) => true,
            (Shape::List, Json::List { .. }) => true,
            (Shape::Strings, Json::List { strings }) => *strings,
            (Shape::Json, _) => true,
            (Shape::Text | Shape::Integer, Json::Null) => false,
            (_, Json::Null) => true,
            _ => false,
        }
    }
}

const ID: u32 = 1 << 0;
const CHAT_TYPE: u32 = 1 << 2;
const PERSON_TYPE: u32 = 1 << 5;
const PLAIN_TEXT: u32 = 1 << 8;
/// The required fields (`id` to `createdAt`).
const REQUIRED: u32 = 0xff;

/// A known field of the message: its bit (for repeats) and the shape its value must have.
fn known(key: &str) -> Option<(u32, Shape)> {
    let (index, shape) = match key {
        "id" => (0, Shape::Text),
        "channelId" => (1, Shape::Text),
        "chatType" => (2, Shape::Text),
        "chatId" => (3, Shape::Text),
        "chatKey" => (4, Shape::Text),
        "personType" => (5, Shape::Text),
        "personId" => (6, Shape::Text),
        "createdAt" => (7, Shape::Integer),
        "plainText" => (8, Shape::OptionalText),
        "blocks" => (9, Shape::List),
        "buttons" => (10, Shape::List),
        "files" => (11, Shape::List),
        "reactions" => (12, Shape::List),
        "options" => (13, Shape::Strings),
        "state" => (14, Shape::OptionalText),
        "requestId" => (15, Shape::OptionalText),
        "language" => (16, Shape::OptionalText),
        "threadKey" => (17, Shape::OptionalText),
        "rootMessageId" => (18, Shape::OptionalText),
        "root" => (19, Shape::OptionalBool),
        "version" => (20, Shape::OptionalInteger),
        "updatedAt" => (21, Shape::OptionalInteger),
        "marketing" => (22, Shape::Json),
        "supportBot" => (23, Shape::Json),
        "workflow" => (24, Shape::Json),
        // Read tolerantly by the model (any JSON: a flag that is not one reads as `None`, a
        // page or form that does not fit is kept as sent).
        "threadRoot" => (25, Shape::Json),
        "threadMsg" => (26, Shape::Json),
        "broadcastedMsg" => (27, Shape::Json),
        "webPage" => (28, Shape::Json),
        "form" => (29, Shape::Json),
        _ => return None,
    };
    Some((1 << index, shape))
}

/// Any JSON value that a `serde_json::Value` can hold, read without building it: strings
/// decoded (a lone surrogate escape fails, as it fails `Value`), numbers computed (one beyond
/// `f64` fails), nesting counted from the entity, as serde_json counts it when the entity is
/// typed on its own. What it is, as far as the probe needs to know.
///
/// The message's lists and JSON fields are typed tolerantly (an entry that does not fit its
/// model is kept as a `Value`), so such a value is all they need to be certain to type.
enum Json<'de> {
    Text(Cow<'de, str>),
    /// An integer that fits `i64`.
    Integer,
    /// Any other number.
    Number,
    Bool,
    Null,
    /// A list; `strings` when every entry is a string.
    List {
        strings: bool,
    },
    Object,
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, text: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::Text(Cow::Borrowed(text)))
    }
    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Json<'de>, E> {
        Ok(Json::Text(Cow::Owned(text.to_owned())))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Json<'de>, E> {
        Ok(Json::Integer)
    }
    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Json<'de>, E> {
        Ok(match i64::try_from(value) {
            Ok(_) => Json::Integer,
            Err(_) => Json::Number,
        })
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Json<'de>, E> {
        Ok(Json::Number)
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Json<'de>, A::Error> {
        let mut strings = true;
        while let Some(item) = access.next_element::<Json<'de>>()? {
            strings &= matches!(item, Json::Text(_));
        }
        Ok(Json::List { strings })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Json<'de>, A::Error> {
        while access.next_entry::<Key<'de>, Json<'de>>()?.is_some() {}
        Ok(Json::Object)
    }
}

#[cfg(test)]
mod tests;
