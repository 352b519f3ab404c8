//! [`Block`]: the parts a message body is made of, in events and in quick replies.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::serde_util::Key;
use crate::rich_text::{self, RichText};

/// One block of a message (see `docs/protocol.md`).
///
/// `text` values are rich text (see [`rich_text`](crate::rich_text)); `code` values are raw.
/// A block of a type this SDK does not know, a known type whose fields do not fit (a text
/// block without a string `value`), or an entry that is not an object at all (Channel's own
/// documentation shows `"blocks":[null]` inside a bullets block) parses as [`Block::Unknown`]
/// with its JSON kept, and serializes back to the same JSON. One odd block never costs the
/// message, or the bullet list around it, its other blocks.
///
/// ```
/// use channeltalk_webhook::model::Block;
///
/// let block = Block::text("2 < 3");           // plain text is escaped
/// assert_eq!(block, Block::Text { value: "2 &lt; 3".into() });
/// assert_eq!(block.plain_text(), "2 < 3");
///
/// let parsed: Block = serde_json::from_str(r#"{"type":"image","url":"https://x"}"#).unwrap();
/// assert_eq!(parsed.kind(), "image");
///
/// let list: Block = serde_json::from_str(r#"{"type":"bullets","blocks":[null,{"type":"text","value":"one"}]}"#).unwrap();
/// assert_eq!(list.plain_text(), "one");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Block {
    /// `{"type":"text","value":…}`: `value` is rich-text markup.
    Text {
        /// The rich-text markup.
        value: String,
    },
    /// `{"type":"code","language":…,"value":…}`: `value` is shown verbatim.
    Code {
        /// The language for highlighting, if any.
        language: Option<String>,
        /// The code, not escaped.
        value: String,
    },
    /// `{"type":"bullets","blocks":[…]}`: a list whose items are (text) blocks.
    Bullets {
        /// The items.
        blocks: Vec<Block>,
    },
    /// A block this SDK does not model, kept as sent (usually an object; `null` or any other
    /// JSON value for an entry that is not one).
    Unknown(Value),
}

impl Block {
    /// A text block holding `text`; a `&str` or `String` is escaped, a
    /// [`RichText`] is used as built.
    pub fn text(text: impl Into<RichText>) -> Self {
        Block::Text {
            value: text.into().into_string(),
        }
    }

    /// A code block; `value` is sent verbatim.
    pub fn code(language: Option<&str>, value: impl Into<String>) -> Self {
        Block::Code {
            language: language.map(str::to_owned),
            value: value.into(),
        }
    }

    /// A bullet list with one text block per item (each escaped unless it is a [`RichText`]).
    pub fn bullets<I, T>(items: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<RichText>,
    {
        Block::Bullets {
            blocks: items.into_iter().map(Block::text).collect(),
        }
    }

    /// The block's `type` as in the JSON.
    pub fn kind(&self) -> &str {
        match self {
            Block::Text { .. } => "text",
            Block::Code { .. } => "code",
            Block::Bullets { .. } => "bullets",
            Block::Unknown(map) => map.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// The block as plain text: rich text without markup, code verbatim, one bullet per line.
    /// Unknown blocks give their `value` if it is a string, else nothing.
    pub fn plain_text(&self) -> Cow<'_, str> {
        match self {
            Block::Text { value } => Cow::Owned(rich_text::to_plain_text(value)),
            Block::Code { value, .. } => Cow::Borrowed(value),
            Block::Bullets { blocks } => Cow::Owned(join_plain_text(blocks)),
            Block::Unknown(map) => {
                Cow::Borrowed(map.get("value").and_then(Value::as_str).unwrap_or(""))
            }
        }
    }
}

/// The plain text of several blocks, one line each (blocks without text are skipped).
pub(crate) fn join_plain_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        let text = block.plain_text();
        if text.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&text);
    }
    out
}

impl Serialize for Block {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Block::Text { value } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", "text")?;
                map.serialize_entry("value", value)?;
                map.end()
            }
            Block::Code { language, value } => {
                let mut map =
                    serializer.serialize_map(Some(2 + usize::from(language.is_some())))?;
                map.serialize_entry("type", "code")?;
                if let Some(language) = language {
                    map.serialize_entry("language", language)?;
                }
                map.serialize_entry("value", value)?;
                map.end()
            }
            Block::Bullets { blocks } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", "bullets")?;
                map.serialize_entry("blocks", blocks)?;
                map.end()
            }
            Block::Unknown(map) => map.serialize(serializer),
        }
    }
}

/// The `visit_*` methods for JSON that is neither an object nor a list: the value is kept as
/// sent, wrapped by `$wrap`.
macro_rules! keep_as_sent {
    ($out:ty, $wrap:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<$out, E> {
            Ok($wrap(Value::Null))
        }
        fn visit_none<E: de::Error>(self) -> Result<$out, E> {
            Ok($wrap(Value::Null))
        }
        fn visit_bool<E: de::Error>(self, value: bool) -> Result<$out, E> {
            Ok($wrap(Value::Bool(value)))
        }
        fn visit_i64<E: de::Error>(self, value: i64) -> Result<$out, E> {
            Ok($wrap(Value::from(value)))
        }
        fn visit_u64<E: de::Error>(self, value: u64) -> Result<$out, E> {
            Ok($wrap(Value::from(value)))
        }
        fn visit_f64<E: de::Error>(self, value: f64) -> Result<$out, E> {
            Ok($wrap(Value::from(value)))
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<$out, E> {
            Ok($wrap(Value::from(value)))
        }
    };
}

impl<'de> Deserialize<'de> for Block {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BlockVisitor)
    }
}

struct BlockVisitor;

impl<'de> Visitor<'de> for BlockVisitor {
    type Value = Block;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message block")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Block, A::Error> {
        // Known fields are read typed in one pass; anything else is kept for `Unknown`.
        let mut kind: Option<Kind<'de>> = None;
        let mut value: Option<Value> = None;
        let mut language: Option<Value> = None;
        let mut blocks: Option<Vec<Block>> = None;
        let mut rest = Map::new();
        while let Some(Key(key)) = access.next_key::<Key<'de>>()? {
            match key.as_ref() {
                "type" => kind = Some(access.next_value()?),
                "value" => value = Some(access.next_value()?),
                "language" => language = Some(access.next_value()?),
                "blocks" => match access.next_value::<Nested>()? {
                    Nested::List(list) => blocks = Some(list),
                    Nested::Other(Value::Null) => blocks = None,
                    Nested::Other(other) => {
                        blocks = None;
                        rest.insert("blocks".into(), other);
                    }
                },
                _ => {
                    rest.insert(key.into_owned(), access.next_value()?);
                }
            }
        }
        Ok(classify(kind, value, language, blocks, rest))
    }

    // Anything that is not an object: kept as sent.
    keep_as_sent!(Block, Block::Unknown);

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Block, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = access.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Block::Unknown(Value::Array(items)))
    }
}

/// Builds the typed block when the fields fit its type, else keeps everything as `Unknown`.
fn classify(
    kind: Option<Kind<'_>>,
    value: Option<Value>,
    language: Option<Value>,
    blocks: Option<Vec<Block>>,
    mut rest: Map<String, Value>,
) -> Block {
    match (
        kind.as_ref().and_then(Kind::as_str),
        value,
        language,
        blocks,
    ) {
        (Some("text"), Some(Value::String(value)), _, _) => Block::Text { value },
        (Some("code"), Some(Value::String(value)), language, _)
            if matches!(language, None | Some(Value::String(_) | Value::Null)) =>
        {
            Block::Code {
                language: language.and_then(|l| l.as_str().map(str::to_owned)),
                value,
            }
        }
        (Some("bullets"), _, _, Some(blocks)) => Block::Bullets { blocks },
        (_, value, language, blocks) => {
            if let Some(kind) = kind {
                rest.insert("type".into(), kind.into_value());
            }
            if let Some(value) = value {
                rest.insert("value".into(), value);
            }
            if let Some(language) = language {
                rest.insert("language".into(), language);
            }
            if let Some(blocks) = blocks {
                rest.insert(
                    "blocks".into(),
                    serde_json::to_value(blocks).unwrap_or(Value::Null),
                );
            }
            Block::Unknown(Value::Object(rest))
        }
    }
}

/// A block's `type` as sent: borrowed from the input when it is a string without escapes (no
/// allocation for the usual `"text"`), any other JSON kept as a [`Value`].
enum Kind<'de> {
    Borrowed(&'de str),
    Other(Value),
}

impl Kind<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Kind::Borrowed(kind) => Some(kind),
            Kind::Other(value) => value.as_str(),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Kind::Borrowed(kind) => Value::String(kind.to_owned()),
            Kind::Other(value) => value,
        }
    }
}

impl<'de> Deserialize<'de> for Kind<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a block type")
    }

    fn visit_borrowed_str<E: de::Error>(self, kind: &'de str) -> Result<Kind<'de>, E> {
        Ok(Kind::Borrowed(kind))
    }

    fn visit_string<E: de::Error>(self, kind: String) -> Result<Kind<'de>, E> {
        Ok(Kind::Other(Value::String(kind)))
    }

    keep_as_sent!(Kind<'de>, Kind::Other);

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Kind<'de>, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(access)).map(Kind::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, access: A) -> Result<Kind<'de>, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(access)).map(Kind::Other)
    }
}

/// A block's `blocks`: a list of blocks, or any other JSON (kept as sent, so that a bullets
/// block whose `blocks` is not a list becomes [`Block::Unknown`] rather than failing).
enum Nested {
    List(Vec<Block>),
    Other(Value),
}

impl<'de> Deserialize<'de> for Nested {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NestedVisitor)
    }
}

struct NestedVisitor;

impl<'de> Visitor<'de> for NestedVisitor {
    type Value = Nested;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of message blocks")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Nested, A::Error> {
        let mut list = Vec::with_capacity(access.size_hint().unwrap_or(2));
        while let Some(block) = access.next_element::<Block>()? {
            list.push(block);
        }
        Ok(Nested::List(list))
    }
    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Nested, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(access)).map(Nested::Other)
    }
    keep_as_sent!(Nested, Nested::Other);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_of_any_json_is_kept_and_an_escaped_one_is_read() {
        let escaped: Block = serde_json::from_str(r#"{"type":"te\u0078t","value":"a"}"#).unwrap();
        assert_eq!(escaped, Block::Text { value: "a".into() });
        for kind in [
            "5",
            "null",
            "true",
            r#"["text"]"#,
            r#"{"a":[1,{"b":2}]}"#,
            r#""\u0041""#,
        ] {
            let json = format!(r#"{{"type":{kind},"value":"a"}}"#);
            let block: Block = serde_json::from_str(&json).unwrap();
            let expected: Value = serde_json::from_str(&json).unwrap();
            assert_eq!(block, Block::Unknown(expected), "{json}");
        }
    }

    #[test]
    fn odd_entries_are_kept_and_the_rest_stays_typed() {
        let json = r#"[null, 7, "x", [1], {"type":"bullets","blocks":[null,{"type":"text","value":"one"},{"type":"bullets","blocks":[false,{"type":"text","value":"two"}]}]}, {"type":"bullets","blocks":"no"}]"#;
        let blocks: Vec<Block> = serde_json::from_str(json).unwrap();
        assert_eq!(blocks[0], Block::Unknown(Value::Null));
        assert_eq!(blocks[1], Block::Unknown(Value::from(7)));
        assert_eq!(blocks[3], Block::Unknown(serde_json::json!([1])));
        let Block::Bullets { blocks: items } = &blocks[4] else {
            panic!("{:?}", blocks[4])
        };
        assert_eq!(
            items[1],
            Block::Text {
                value: "one".into()
            }
        );
        assert!(matches!(&items[2], Block::Bullets { blocks } if blocks[1] == Block::text("two")));
        assert_eq!(join_plain_text(&blocks), "one\ntwo");
        assert_eq!(blocks[5].kind(), "bullets");
        assert!(matches!(&blocks[5], Block::Unknown(raw) if raw["blocks"] == "no"));
        // Everything serializes back as sent.
        let again: Value = serde_json::to_value(&blocks).unwrap();
        assert_eq!(again, serde_json::from_str::<Value>(json).unwrap());
    }
}
