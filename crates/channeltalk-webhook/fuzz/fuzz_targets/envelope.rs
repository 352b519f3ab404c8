//! `Event::parse` on arbitrary bytes, then every accessor of the parsed event.
//!
//! Invariants (checked against serde_json, independently of the core's own parsing):
//! - a body (less one UTF-8 BOM) that serde_json reads as an object `Value` is accepted;
//!   anything accepted is UTF-8, is JSON and starts with `{`;
//! - the error says why: `NotUtf8` (with the right offset) only for non-UTF-8 bodies, `NotJson`
//!   and `NotObject` only for UTF-8 ones, `NotObject` only for syntactically valid JSON that
//!   does not start with `{`;
//! - on success: `body()` is the input; `to_json()` is `Ok` with the object serde_json reads
//!   from the body, or `Err` exactly when serde_json cannot read it as a `Value`; the event
//!   serializes to the body's JSON text and that parses again; a typed entity survives a
//!   serialize/deserialize round trip; `text()` prefers a non-empty `plainText` and is never
//!   `Some("")`; `refers().raw()` is the body's (last) `refers`;
//! - the typed entity and the typed `refers` entries are exactly what reading the body's parts
//!   one by one gives (the body as a map of raw values, last key wins, then each part read
//!   into its model): the one-pass fast path and the tolerant path agree;
//! - envelope recognition matches a reference written from the protocol's rules (`type` in any
//!   letter case; a scope name in `type` or `event`, its first segment naming the model, `lead`
//!   and `member` being users), and so do `scope()` and `is_from_bot()` (`personType` "bot" in
//!   any letter case, whatever the envelope says).
#![no_main]

use std::collections::BTreeMap;

use channeltalk_webhook::model::{
    Bot, EntityType, Group, Manager, Message, Scope, User, UserChat,
};
use channeltalk_webhook::{Entity, Event, ParseError};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use serde_json::value::RawValue;

const BOM: &[u8] = "\u{feff}".as_bytes();

fn is_json_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

fn trim_json_whitespace(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !is_json_whitespace(*b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_json_whitespace(*b))
        .map_or(start, |end| end + 1);
    &bytes[start..end]
}

fuzz_target!(|data: &[u8]| {
    // The oracle.
    let utf8 = std::str::from_utf8(data);
    let json_bytes = data.strip_prefix(BOM).unwrap_or(data);
    let json_text = std::str::from_utf8(json_bytes).ok();
    let is_json = json_text.is_some_and(|text| serde_json::from_str::<&RawValue>(text).is_ok());
    let starts_as_object = trim_json_whitespace(json_bytes).first() == Some(&b'{');
    // An object serde_json reads as a `Value` must be accepted; anything accepted must at
    // least be JSON and start with `{`. In between lie objects serde_json checks but cannot
    // hold as a `Value` (numbers beyond f64, lone surrogates, nesting deeper than 128): the
    // core accepts them, except a lone surrogate escape in a top-level key, which it refuses.
    let expected_json: Option<Value> = serde_json::from_slice(json_bytes).ok();
    let must_accept = expected_json.as_ref().is_some_and(Value::is_object);
    let may_accept = is_json && starts_as_object;

    let event = match Event::parse(data.to_vec()) {
        Ok(event) => event,
        Err(error) => {
            assert!(!must_accept, "a JSON object was refused: {error}");
            match &error {
                ParseError::NotUtf8 { valid_up_to } => {
                    let utf8_error = utf8.expect_err("NotUtf8 for a UTF-8 body");
                    assert_eq!(*valid_up_to, utf8_error.valid_up_to());
                }
                ParseError::NotJson(_) => assert!(utf8.is_ok(), "NotJson for a non-UTF-8 body"),
                ParseError::NotObject => {
                    assert!(utf8.is_ok(), "NotObject for a non-UTF-8 body");
                    assert!(
                        !starts_as_object,
                        "NotObject for a body that starts with `{{`"
                    );
                    // Finding F1: `""}` was NotObject ("JSON but not an object").
                    assert!(is_json, "NotObject for a body that is not JSON");
                }
                _ => {}
            }
            let _ = (error.to_string(), format!("{error:?}"));
            return;
        }
    };
    assert!(may_accept, "a body that is not a JSON object was accepted");
    assert_eq!(event.body().as_ref(), data);

    // The whole body as a value.
    // Finding F2: to_json() was a silent `null` for bodies a `Value` cannot hold.
    match (event.to_json(), &expected_json) {
        (Ok(json), Some(expected)) => {
            assert!(
                json.is_object(),
                "to_json() of a parsed event is not an object: {json}"
            );
            assert_eq!(&json, expected);
        }
        (Err(_), None) => {}
        (json, expected) => panic!("to_json() is {json:?}, serde_json reads {expected:?}"),
    }

    // Serializing gives the body's JSON text back, and that is an event again.
    let serialized = serde_json::to_string(&event).expect("a parsed event serializes");
    assert_eq!(serialized.as_bytes(), trim_json_whitespace(json_bytes));
    let again = Event::parse(serialized).expect("a serialized event parses");
    assert_eq!(again.action(), event.action());
    assert_eq!(again.entity_type(), event.entity_type());

    // Accessors.
    let _ = (
        event.action(),
        event.entity_type(),
        event.is_unparsed(),
        format!("{event:?}"),
    );
    if let Some(message) = event.message() {
        check_message(message);
    }
    if let Some(chat) = event.user_chat() {
        let text = serde_json::to_string(chat).expect("a user chat serializes");
        let back: channeltalk_webhook::model::UserChat =
            serde_json::from_str(&text).expect("a serialized user chat parses");
        assert_eq!(back.id, chat.id);
    }
    if let Some(user) = event.user() {
        let text = serde_json::to_string(user).expect("a user serializes");
        let back: channeltalk_webhook::model::User =
            serde_json::from_str(&text).expect("a serialized user parses");
        assert_eq!(back.id, user.id);
    }
    match event.entity() {
        Entity::Unparsed { raw, reason, .. } => {
            assert!(!reason.is_empty());
            assert_ne!(raw.get(), "null");
        }
        Entity::Other(raw) => assert_ne!(raw.get(), "null"),
        _ => {}
    }

    let refers = event.refers();
    let _ = (
        refers.manager(),
        refers.group(),
        refers.user(),
        refers.user_chat(),
        refers.bot(),
    );
    if let Some(message) = refers.message() {
        check_message(message);
    }
    for name in ["x", "veil", "manager", "message", ""] {
        let entry = refers.get::<Value>(name);
        if refers.raw().is_none() {
            assert!(entry.is_none(), "an entry without refers");
        }
        let _ = refers.get::<String>(name);
    }
    if let (Some(raw), Some(expected)) = (refers.raw(), &expected_json) {
        // `refers` as sent is the last `refers` of the body.
        let raw: Value = serde_json::from_str(raw.get()).expect("refers is JSON");
        assert_eq!(Some(&raw), expected.get("refers"));
    }

    if let Some(text) = json_text {
        check_against_reference(&event, text);
    }

    let entity = event.clone().into_entity();
    let _ = format!("{entity:?}");
});

fn check_message(message: &Message) {
    let text = message.text();
    if let Some(plain) = message.plain_text.as_deref().filter(|t| !t.is_empty()) {
        assert_eq!(text.as_deref(), Some(plain));
    }
    if let Some(text) = &text {
        assert!(!text.is_empty(), "text() is Some(\"\")");
    }
    let _ = (
        message.is_from_bot(),
        message.is_from_user(),
        message.is_from_manager(),
    );
    let _ = (message.is_user_chat(), message.is_team_chat());
    let _ = message.created_at.to_system_time();
    for block in &message.blocks {
        let _ = (block.kind(), block.plain_text());
    }

    // A typed message survives a round trip (compared on fields without floats).
    let serialized = serde_json::to_string(message).expect("a message serializes");
    let back: Message = serde_json::from_str(&serialized).expect("a serialized message parses");
    assert_eq!(back.id, message.id);
    assert_eq!(back.person_type, message.person_type);
    assert_eq!(back.chat_type, message.chat_type);
    assert_eq!(back.created_at, message.created_at);
    assert_eq!(back.plain_text, message.plain_text);
    assert_eq!(back.text(), message.text());
    assert_eq!(back.blocks.len(), message.blocks.len());
}

/// The reference reading: the body as a map of raw parts (last key wins), each part then read
/// on its own into its model.
fn check_against_reference(event: &Event, text: &str) {
    let Ok(parts) = serde_json::from_str::<BTreeMap<String, &RawValue>>(text) else {
        return; // e.g. a lone surrogate in a key somewhere: no reference reading.
    };
    let string = |name: &str| {
        parts
            .get(name)
            .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
    };
    let (kind, action) = (string("type"), string("event"));
    let model = reference_model(kind.as_deref(), action.as_deref());
    assert_eq!(
        event.entity_type().map(EntityType::as_str),
        model.or(kind.as_deref()),
        "type {kind:?}, event {action:?}"
    );
    let scope = action
        .as_deref()
        .filter(|a| is_scope_name(a))
        .or(kind.as_deref().filter(|k| is_scope_name(k)));
    assert_eq!(event.scope().map(Scope::as_str), scope);
    assert_eq!(event.action().map(|a| a.as_str()), action.as_deref());
    let entity = parts
        .get("entity")
        .copied()
        .filter(|raw| raw.get() != "null");
    if let Some(bot) = entity.and_then(|raw| reference_is_from_bot(raw.get())) {
        assert_eq!(event.is_from_bot(), bot, "is_from_bot");
    } else if entity.is_none() {
        assert!(!event.is_from_bot());
    }
    match (model, entity) {
        (_, None) => assert!(
            matches!(event.entity(), Entity::Missing),
            "{:?}",
            event.entity()
        ),
        (Some("message"), Some(raw)) => {
            let expected = serde_json::from_str::<Message>(raw.get()).ok();
            assert_eq!(event.message(), expected.as_ref());
            assert_eq!(event.is_unparsed(), expected.is_none());
        }
        (Some("userChat"), Some(raw)) => {
            let expected = serde_json::from_str::<UserChat>(raw.get()).ok();
            assert_eq!(event.user_chat(), expected.as_ref());
            assert_eq!(event.is_unparsed(), expected.is_none());
        }
        (Some("user"), Some(raw)) => {
            let expected = serde_json::from_str::<User>(raw.get()).ok();
            assert_eq!(event.user(), expected.as_ref());
            assert_eq!(event.is_unparsed(), expected.is_none());
        }
        (_, Some(raw)) => match event.entity() {
            Entity::Other(other) => assert_eq!(other.get(), raw.get()),
            other => panic!("expected Entity::Other, got {other:?}"),
        },
    }

    let refers = event.refers();
    let Some(raw) = parts.get("refers") else {
        assert!(refers.raw().is_none());
        return;
    };
    assert_eq!(refers.raw().map(RawValue::get), Some(raw.get()));
    let Ok(entries) = serde_json::from_str::<BTreeMap<String, &RawValue>>(raw.get()) else {
        assert!(refers.manager().is_none() && refers.message().is_none());
        return;
    };
    fn typed<T: serde::de::DeserializeOwned>(
        entries: &BTreeMap<String, &RawValue>,
        name: &str,
    ) -> Option<T> {
        let raw = entries.get(name).filter(|raw| raw.get() != "null")?;
        serde_json::from_str(raw.get()).ok()
    }
    assert_eq!(
        refers.manager(),
        typed::<Manager>(&entries, "manager").as_ref()
    );
    assert_eq!(refers.group(), typed::<Group>(&entries, "group").as_ref());
    assert_eq!(refers.user(), typed::<User>(&entries, "user").as_ref());
    assert_eq!(
        refers.user_chat(),
        typed::<UserChat>(&entries, "userChat").as_ref()
    );
    assert_eq!(refers.bot(), typed::<Bot>(&entries, "bot").as_ref());
    assert_eq!(
        refers.message(),
        typed::<Message>(&entries, "message").as_ref()
    );
}

/// A scope name: a `.` after a non-empty first segment.
fn is_scope_name(value: &str) -> bool {
    value.find('.').is_some_and(|at| at > 0)
}

/// The model `type` or `event` names, by the protocol's rules, written independently of the
/// core: `type` in any letter case or as a scope name, then `event` as a scope name.
fn reference_model(kind: Option<&str>, action: Option<&str>) -> Option<&'static str> {
    fn named(value: &str) -> Option<&'static str> {
        let lower = value.to_ascii_lowercase();
        let head = lower.split('.').next().unwrap_or("");
        match head {
            "message" => Some("message"),
            "userchat" => Some("userChat"),
            "user" => Some("user"),
            "lead" | "member" if lower.contains('.') => Some("user"),
            _ => None,
        }
    }
    kind.and_then(named)
        .or_else(|| action.filter(|a| is_scope_name(a)).and_then(named))
}

/// Whether the entity's (last) `personType` is "bot" in any letter case; `None` when the
/// entity cannot be read as a map of strings to values.
fn reference_is_from_bot(entity: &str) -> Option<bool> {
    if !entity.trim_start().starts_with('{') {
        return Some(false);
    }
    let fields = serde_json::from_str::<BTreeMap<String, &RawValue>>(entity).ok()?;
    Some(
        fields
            .get("personType")
            .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
            .is_some_and(|person| person.eq_ignore_ascii_case("bot")),
    )
}
