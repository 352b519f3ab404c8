//! [`Element`]: one entry of a message's `buttons`, `files` or `reactions`, typed when it fits.
//!
//! Channel's lists are not always clean: its own documentation shows a `null` inside a list,
//! and a new kind of button or file may come with fields of another shape. One such entry must
//! not cost the whole message its typing, so each entry is read on its own: one that fits its
//! model is [`Element::Known`], any other (`null`, a number, an object of another shape) is
//! [`Element::Unknown`] with its JSON kept, and serializes back unchanged.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// One entry of a list in a message: the typed model, or the JSON as sent when it does not fit.
///
/// ```
/// use channeltalk_webhook::model::{Element, Reaction};
///
/// let reactions: Vec<Element<Reaction>> =
///     serde_json::from_str(r#"[{"emojiName":"+1","personKeys":["user-1"]}, null, 7]"#)?;
/// assert_eq!(reactions[0].known().map(|r| r.emoji_name.as_str()), Some("+1"));
/// assert_eq!(reactions[1], Element::Unknown(serde_json::Value::Null));
/// assert_eq!(reactions.iter().filter_map(Element::known).count(), 1);
/// assert_eq!(serde_json::to_string(&reactions)?, r#"[{"emojiName":"+1","personKeys":["user-1"]},null,7]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Element<T> {
    /// The entry fits its model.
    Known(T),
    /// The entry does not fit its model (or is not an object), kept as sent.
    Unknown(Value),
}

impl<T> Element<T> {
    /// The typed entry, if it fits its model.
    pub fn known(&self) -> Option<&T> {
        match self {
            Element::Known(known) => Some(known),
            Element::Unknown(_) => None,
        }
    }

    /// Whether the entry did not fit its model.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Element::Unknown(_))
    }
}

impl<T> From<T> for Element<T> {
    fn from(known: T) -> Self {
        Element::Known(known)
    }
}

impl<T: Serialize> Serialize for Element<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Element::Known(known) => known.serialize(serializer),
            Element::Unknown(raw) => raw.serialize(serializer),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Element<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Read as a `Value` first (these lists are short and rare), then try the model on it.
        let raw = Value::deserialize(deserializer)?;
        if !raw.is_object() {
            // serde's derived models would also read an array as their fields in order.
            return Ok(Element::Unknown(raw));
        }
        Ok(match T::deserialize(&raw) {
            Ok(known) => Element::Known(known),
            Err(error) => {
                tracing::debug!(%error, "a list entry does not fit its model; kept as sent");
                Element::Unknown(raw)
            }
        })
    }
}
