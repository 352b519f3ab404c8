//! [`Block`]: the parts a message body is made of, in events and in quick replies.

use std::borrow::Cow;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::serde_util::Key;
use crate::rich_text::{self, RichText};

/// One block of a message (see `docs/protocol.md`).
///
/// `text` values are rich text (see [`rich_text`](crate::rich_text)); `code` values are raw.
/// A block of a type this SDK does not know, or a known type whose fields do not fit (a text
/// block without a string `value`), parses as [`Block::Unknown`] with its JSON kept, and
/// serializes back to the same JSON.
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
    /// A block this SDK does not model, kept as sent (always a JSON object).
    Unknown(Map<String, Value>),
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

impl<'de> Deserialize<'de> for Block {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(BlockVisitor)
    }
}

struct BlockVisitor;

impl<'de> Visitor<'de> for BlockVisitor {
    type Value = Block;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message block (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Block, A::Error> {
        // Known fields are read typed in one pass; anything else is kept for `Unknown`.
        let mut kind: Option<Value> = None;
        let mut value: Option<Value> = None;
        let mut language: Option<Value> = None;
        let mut blocks: Option<Vec<Block>> = None;
        let mut rest = Map::new();
        while let Some(Key(key)) = access.next_key::<Key<'de>>()? {
            match key.as_ref() {
                "type" => kind = Some(access.next_value()?),
                "value" => value = Some(access.next_value()?),
                "language" => language = Some(access.next_value()?),
                "blocks" => blocks = access.next_value::<Option<Vec<Block>>>()?,
                _ => {
                    rest.insert(key.into_owned(), access.next_value()?);
                }
            }
        }
        Ok(classify(kind, value, language, blocks, rest))
    }
}

/// Builds the typed block when the fields fit its type, else keeps everything as `Unknown`.
fn classify(
    kind: Option<Value>,
    value: Option<Value>,
    language: Option<Value>,
    blocks: Option<Vec<Block>>,
    mut rest: Map<String, Value>,
) -> Block {
    match (
        kind.as_ref().and_then(Value::as_str),
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
                rest.insert("type".into(), kind);
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
            Block::Unknown(rest)
        }
    }
}
