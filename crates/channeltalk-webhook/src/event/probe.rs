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
//! The probe answers [`Probe::Fits`] only when typing the entity is certain to succeed: every
//! field it knows holds a value the model accepts, no known field is repeated, every required
//! field is present. Anything it is not sure of (a list of buttons, a marketing object, an
//! escape it would have to check, a float timestamp) is [`Probe::Unsure`], and the entity is
//! typed at once, exactly as without the probe. So the probe changes when a message is typed,
//! never what it is typed to.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

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

/// Reads a message entity as [`Probe`]. Fails only where the JSON itself is bad.
pub(super) struct ProbeSeed;

impl<'de> DeserializeSeed<'de> for ProbeSeed {
    type Value = Probe<'de>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ProbeSeed {
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
        let mut fields = Fields::default();
        while let Some(Key(key)) = access.next_key::<Key<'de>>()? {
            match known(&key) {
                Some((index, shape)) if fields.sure => {
                    let value = access.next_value::<Scalar<'de>>()?;
                    fields.read(index, shape, value);
                }
                // Unknown fields are skipped by the model as by the probe.
                _ => {
                    access.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Probe::Object(fields.into_head()))
    }
}

/// The known fields seen so far; `sure` turns false at the first value the probe cannot
/// vouch for.
struct Fields<'de> {
    sure: bool,
    seen: u32,
    id: Option<Cow<'de, str>>,
    chat_type: Option<Cow<'de, str>>,
    person_type: Option<Cow<'de, str>>,
    plain_text: Option<Cow<'de, str>>,
}

impl Default for Fields<'_> {
    fn default() -> Self {
        Fields {
            sure: true,
            seen: 0,
            id: None,
            chat_type: None,
            person_type: None,
            plain_text: None,
        }
    }
}

/// What a known field's value must be for the model to accept it.
#[derive(Clone, Copy, PartialEq, Eq)]
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
    /// `null` or a list of plain text blocks (`{"type":"text","value":"…"}`).
    TextBlocks,
    /// `null` or `[]` (a list the probe does not look into).
    EmptyList,
    /// `null` (an object kept as JSON, which the probe does not look into).
    Null,
}

/// A known field of the message: its bit (for repeats; the required fields are bits 0 to 7)
/// and the shape its value must have.
fn known(key: &str) -> Option<(u32, Shape)> {
    Some(match key {
        "id" => (0, Shape::Text),
        "channelId" => (1, Shape::Text),
        "chatType" => (2, Shape::Text),
        "chatId" => (3, Shape::Text),
        "chatKey" => (4, Shape::Text),
        "personType" => (5, Shape::Text),
        "personId" => (6, Shape::Text),
        "createdAt" => (7, Shape::Integer),
        "plainText" => (8, Shape::OptionalText),
        "blocks" => (9, Shape::TextBlocks),
        "buttons" => (10, Shape::EmptyList),
        "files" => (11, Shape::EmptyList),
        "reactions" => (12, Shape::EmptyList),
        "options" => (13, Shape::EmptyList),
        "state" => (14, Shape::OptionalText),
        "requestId" => (15, Shape::OptionalText),
        "language" => (16, Shape::OptionalText),
        "threadKey" => (17, Shape::OptionalText),
        "rootMessageId" => (18, Shape::OptionalText),
        "root" => (19, Shape::OptionalBool),
        "version" => (20, Shape::OptionalInteger),
        "updatedAt" => (21, Shape::OptionalInteger),
        "marketing" => (22, Shape::Null),
        "supportBot" => (23, Shape::Null),
        "workflow" => (24, Shape::Null),
        _ => return None,
    })
}

/// The bits of the required fields (`id` to `createdAt`).
const REQUIRED: u32 = 0xff;

impl<'de> Fields<'de> {
    fn read(&mut self, index: u32, shape: Shape, value: Scalar<'de>) {
        let bit = 1 << index;
        // The model refuses a repeated field.
        let fits = self.seen & bit == 0
            && match (shape, &value) {
                (Shape::Text | Shape::OptionalText, Scalar::Text(_)) => true,
                (Shape::Integer | Shape::OptionalInteger, Scalar::Integer) => true,
                (Shape::OptionalBool, Scalar::Bool) => true,
                (Shape::TextBlocks, Scalar::TextBlocks) => true,
                (Shape::EmptyList | Shape::TextBlocks, Scalar::EmptyList) => true,
                (shape, Scalar::Null) => shape != Shape::Text && shape != Shape::Integer,
                _ => false,
            };
        self.seen |= bit;
        self.sure &= fits;
        if let (true, Scalar::Text(text)) = (fits, value) {
            match index {
                0 => self.id = Some(text),
                2 => self.chat_type = Some(text),
                5 => self.person_type = Some(text),
                8 => self.plain_text = Some(text),
                _ => {}
            }
        }
    }

    fn into_head(self) -> Option<Head<'de>> {
        if !self.sure || self.seen & REQUIRED != REQUIRED {
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

/// A known field's value as far as the probe needs it; anything else is skipped as
/// [`Scalar::Other`]. Strings are decoded (escapes checked) as the model decodes them.
enum Scalar<'de> {
    Text(Cow<'de, str>),
    /// An integer that fits `i64`.
    Integer,
    Bool,
    Null,
    EmptyList,
    /// A non-empty list of plain text blocks.
    TextBlocks,
    Other,
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Borrowed(text)))
    }
    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(text.to_owned())))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Integer)
    }
    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(if i64::try_from(value).is_ok() {
            Scalar::Integer
        } else {
            Scalar::Other
        })
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut scalar = Scalar::EmptyList;
        while let Some(block) = access.next_element::<TextBlock>()? {
            scalar = match (scalar, block) {
                (Scalar::EmptyList | Scalar::TextBlocks, TextBlock(true)) => Scalar::TextBlocks,
                _ => Scalar::Other,
            };
        }
        Ok(scalar)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        while access.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

/// An element of a list: whether it is exactly `{"type":"text","value":"…"}` (keys in any
/// order), the shape every such block is typed to, [`Block::Text`](crate::model::Block::Text).
struct TextBlock(bool);

impl<'de> Deserialize<'de> for TextBlock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextBlockVisitor)
    }
}

struct TextBlockVisitor;

impl<'de> Visitor<'de> for TextBlockVisitor {
    type Value = TextBlock;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<TextBlock, A::Error> {
        let (mut kind, mut value, mut other) = (false, false, false);
        while let Some(Key(key)) = access.next_key::<Key<'de>>()? {
            let scalar = access.next_value::<Scalar<'de>>()?;
            match (key.as_ref(), scalar) {
                ("type", Scalar::Text(name)) if !kind && name == "text" => kind = true,
                ("value", Scalar::Text(_)) if !value => value = true,
                _ => other = true,
            }
        }
        Ok(TextBlock(kind && value && !other))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<TextBlock, A::Error> {
        while access.next_element::<IgnoredAny>()?.is_some() {}
        Ok(TextBlock(false))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<TextBlock, E> {
        Ok(TextBlock(false))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<TextBlock, E> {
        Ok(TextBlock(false))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<TextBlock, E> {
        Ok(TextBlock(false))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<TextBlock, E> {
        Ok(TextBlock(false))
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<TextBlock, E> {
        Ok(TextBlock(false))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<TextBlock, E> {
        Ok(TextBlock(false))
    }
}

/// A probed message's head as the event keeps it: where its parts are in the body.
#[derive(Clone, Debug)]
pub(super) struct HeldHead {
    /// The entity's JSON text.
    pub(super) entity: Piece,
    pub(super) id: Piece,
    pub(super) chat_type: Piece,
    /// `personType` is `"bot"` in any letter case (as [`Message::is_from_bot`] reads it).
    ///
    /// [`Message::is_from_bot`]: crate::model::Message::is_from_bot
    pub(super) from_bot: bool,
    pub(super) plain_text: Option<Piece>,
}

impl HeldHead {
    /// Keeps `head` and the entity's text `entity`, both slices of `body`'s text.
    pub(super) fn new(head: Head<'_>, entity: &str, body: &[u8]) -> Self {
        HeldHead {
            entity: Piece::new(Cow::Borrowed(entity), body),
            id: Piece::new(head.id, body),
            chat_type: Piece::new(head.chat_type, body),
            from_bot: head.person_type.eq_ignore_ascii_case("bot"),
            plain_text: head.plain_text.map(|text| Piece::new(text, body)),
        }
    }
}

/// A string of the body: its position when it is a slice of the body, else its own copy
/// (a JSON string with escapes, decoded).
#[derive(Clone, Debug)]
pub(super) enum Piece {
    InBody(Range<usize>),
    Owned(Box<str>),
}

impl Piece {
    fn new(text: Cow<'_, str>, body: &[u8]) -> Self {
        let start = (text.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
        match text {
            Cow::Borrowed(slice) if start <= body.len() && slice.len() <= body.len() - start => {
                Piece::InBody(start..start + slice.len())
            }
            text => Piece::Owned(text.into_owned().into_boxed_str()),
        }
    }

    /// The string, given the body it was taken from.
    pub(super) fn get<'a>(&'a self, body: &'a [u8]) -> &'a str {
        match self {
            Piece::InBody(range) => body
                .get(range.clone())
                .and_then(|bytes| std::str::from_utf8(bytes).ok())
                .unwrap_or_default(),
            Piece::Owned(text) => text,
        }
    }
}

/// The entity's JSON text in `text`: from the `{` after the `"entity"` key (whose name ends
/// at address `after_key`) to the `}` before the envelope's next key (whose name starts at
/// address `next_key`), or before the envelope's own `}` when the entity is its last value.
/// `None` if the text around them is not what it must be (then the caller reads the envelope
/// the slow way).
pub(super) fn entity_range(
    text: &str,
    after_key: usize,
    next_key: Option<usize>,
) -> Option<Range<usize>> {
    let base = text.as_ptr() as usize;
    let position = |address: usize| address.checked_sub(base).filter(|&i| i <= text.len());
    let rest = text.get(position(after_key)?..)?.strip_prefix('"')?;
    let object = skip_whitespace(rest.trim_start_matches(WHITESPACE).strip_prefix(':')?);
    let start = text.len() - object.len();
    let before = match next_key {
        Some(next_key) => text
            .get(..position(next_key)?)?
            .strip_suffix('"')?
            .trim_end_matches(WHITESPACE)
            .strip_suffix(',')?,
        None => text.trim_end_matches(WHITESPACE).strip_suffix('}')?,
    };
    let end = before.trim_end_matches(WHITESPACE).len();
    (object.starts_with('{') && text[..end].ends_with('}') && end > start).then_some(start..end)
}

/// JSON's whitespace.
const WHITESPACE: [char; 4] = [' ', '\t', '\n', '\r'];

fn skip_whitespace(text: &str) -> &str {
    text.trim_start_matches(WHITESPACE)
}

#[cfg(test)]
mod tests;
