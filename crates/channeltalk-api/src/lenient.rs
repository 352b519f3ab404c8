//! Tolerant decoding helpers: one element Channel shapes differently never fails a whole call.
//!
//! The core's models already ignore unknown fields and keep unknown enum values. These helpers
//! add the last step for answers: a list element or a nested model that still does not fit
//! (a message without its id) is dropped (logged at `debug`) or read as `None`, and the call
//! goes on. The raw JSON of every answer stays available where a view keeps it.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A list whose elements that do not fit are skipped; `null` or absent is empty.
pub(crate) fn vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let values = Option::<Vec<Value>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(values.into_iter().filter_map(element).collect())
}

/// A nested model that is `None` when it does not fit.
pub(crate) fn option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(Option::<Value>::deserialize(deserializer)?.and_then(element))
}

/// A cursor: Channel sends a number for some lists (webhooks, bots) and a string for others
/// (messages, managers); both are kept as text and sent back as they came.
pub(crate) fn cursor<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::String(text)) if !text.is_empty() => Some(text),
        Some(Value::Number(number)) => Some(number.to_string()),
        _ => None,
    })
}

pub(crate) fn element<T: DeserializeOwned>(value: Value) -> Option<T> {
    match serde_json::from_value(value) {
        Ok(parsed) => Some(parsed),
        Err(error) => {
            tracing::debug!(%error, "skipped an element of Channel's answer that does not fit the model");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use channeltalk_webhook::Message;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct View {
        #[serde(default, deserialize_with = "super::vec")]
        messages: Vec<Message>,
        #[serde(default, deserialize_with = "super::option")]
        message: Option<Message>,
        #[serde(default, deserialize_with = "super::cursor")]
        next: Option<String>,
    }

    const GOOD: &str = r#"{"id":"m1","channelId":"1","chatType":"userChat","chatId":"c","chatKey":"userChat-c","personType":"user","personId":"u","createdAt":1}"#;

    #[test]
    fn a_bad_element_costs_only_itself() {
        let body = format!(
            r#"{{"messages":[{GOOD},{{"id":5}},null],"message":{{"nope":1}},"next":123,"extra":true}}"#
        );
        let view: View = serde_json::from_str(&body).unwrap();
        assert_eq!(view.messages.len(), 1);
        assert!(view.message.is_none());
        assert_eq!(view.next.as_deref(), Some("123"));
        let view: View = serde_json::from_str(r#"{"messages":null,"next":""}"#).unwrap();
        assert!(view.messages.is_empty() && view.next.is_none());
    }
}
