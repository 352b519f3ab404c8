//! The probe's one promise: when it vouches for a message, typing the message succeeds, and
//! what it kept is what the typed message holds.

use proptest::prelude::*;
use serde_json::json;

use super::super::{Entity, Event};
use super::{Probe, read_plain};
use crate::model::Message;

/// Checks the promise for one body; returns whether the probe vouched.
fn check(body: &str) -> bool {
    let Ok(event) = Event::parse(body.to_owned()) else {
        return false;
    };
    let Some(head) = event.inner.head.clone() else {
        return false;
    };
    let entity_text = head.entity.get(event.body()).to_owned();
    let typed: Message = serde_json::from_str(&entity_text).unwrap_or_else(|error| {
        panic!("vouched for a message that does not fit ({error}): {body}")
    });
    let Entity::Message(message) = event.entity() else {
        panic!("vouched, but typed as {:?}", event.entity());
    };
    assert_eq!(**message, typed);
    assert_eq!(event.message_id(), Some(message.id.as_str()), "{body}");
    assert_eq!(
        event.message_chat_type(),
        Some(message.chat_type.as_str()),
        "{body}"
    );
    assert_eq!(event.is_from_bot(), message.is_from_bot(), "{body}");
    assert_eq!(event.text(), message.text(), "{body}");
    true
}

/// What a probe found, comparable.
type Found = Option<Option<(String, String, String, Option<String>)>>;

fn found(probe: &Probe<'_>) -> Found {
    match probe {
        Probe::Null => None,
        Probe::Object(head) => Some(head.as_ref().map(|head| {
            (
                head.id.to_string(),
                head.chat_type.to_string(),
                head.person_type.to_string(),
                head.plain_text.as_ref().map(ToString::to_string),
            )
        })),
    }
}

/// Where the scanner's reading answers, it is the serde reading's answer, for the same text;
/// returns whether it answered.
fn same_reading(entity: &str) -> bool {
    let Some((plain, length)) = read_plain(entity) else {
        return false;
    };
    let mut values = serde_json::Deserializer::from_str(entity).into_iter::<Probe<'_>>();
    let serde = values
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("the scanner vouched for what serde refuses: {entity}"));
    assert_eq!(length, values.byte_offset(), "{entity}");
    assert_eq!(found(&plain), found(&serde), "{entity}");
    true
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

#[test]
fn vouches_for_the_documented_message_and_keeps_the_promise_on_every_fixture() {
    assert!(check(&fixture("message_team_chat_manager.json")));
    let directory = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(directory).unwrap() {
        let body = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        check(&body);
    }
}

#[test]
fn the_scanner_reads_the_usual_messages_as_serde_does() {
    let entity =
        |body: &str| serde_json::from_str::<serde_json::Value>(body).unwrap()["entity"].to_string();
    assert!(same_reading(&entity(&fixture(
        "message_team_chat_manager.json"
    ))));
    assert!(same_reading(
        &entity(&message_with("plainText", None)).replace(',', " ,\n ")
    ));
    assert!(same_reading(&entity(&message_with(
        "plainText",
        Some(json!("line\n\"quoted\" \u{1F600}"))
    ))));
    // Keys with escapes, lone surrogates, other shapes and repeats are the serde reading's.
    let message = entity(&message_with("plainText", Some(json!("x"))));
    assert!(!same_reading(&message.replace(r#""id""#, r#""\u0069d""#)));
    assert!(!same_reading(&message.replace(r#""x""#, r#""\ud800""#)));
    assert!(!same_reading(r#"{"id":5}"#));
    assert!(!same_reading(r#"{"id":"a","id":"b"}"#));
    assert!(!same_reading("null"));
}

#[test]
fn the_entity_is_typed_only_when_asked_for() {
    let event = Event::parse(fixture("message_team_chat_manager.json")).unwrap();
    assert!(event.inner.head.is_some() && event.inner.entity.get().is_none());
    assert_eq!(event.text().as_deref(), Some("Hi! Webhook Test"));
    assert!(!event.is_from_bot());
    assert!(
        event.inner.entity.get().is_none(),
        "typed for the text or the bot check"
    );
    assert!(event.message().is_some());
    assert!(event.inner.entity.get().is_some());
    let text = event.inner.head.as_ref().unwrap().entity.get(event.body());
    assert!(
        text.starts_with(r#"{"chatKey":"group-1234""#)
            && text.ends_with(r#""plainText":"Hi! Webhook Test"}"#)
    );
}

/// A user's message with `field` set to `value` (or removed when `None`).
fn message_with(field: &str, value: Option<serde_json::Value>) -> String {
    let mut entity = json!({
        "id": "m1", "channelId": "1", "chatType": "userChat", "chatId": "c1",
        "chatKey": "userChat-c1", "personType": "user", "personId": "u1",
        "createdAt": 1_600_158_433_443_i64, "plainText": "hi",
        "blocks": [{"type": "text", "value": "hi"}]
    });
    match value {
        Some(value) => entity[field] = value,
        None => {
            entity.as_object_mut().unwrap().remove(field);
        }
    }
    // Written by hand: `json!` sorts keys, and Channel sends `type` before `entity`.
    format!(r#"{{"event":"push","type":"message","entity":{entity}}}"#)
}

#[test]
fn stands_aside_for_what_it_cannot_vouch_for() {
    let unsure = [
        message_with("createdAt", Some(json!("now"))),
        message_with("createdAt", Some(json!(1.5e12))),
        message_with("createdAt", None),
        message_with("version", Some(json!("1"))),
        message_with("plainText", Some(json!(7))),
        message_with("id", Some(json!(null))),
        message_with("blocks", Some(json!("text"))),
        message_with("blocks", Some(json!({"type": "text"}))),
        message_with("options", Some(json!([1]))),
        message_with("root", Some(json!("yes"))),
        // What a `serde_json::Value` cannot hold, inside a list the model reads tolerantly.
        message_with("files", Some(json!([{"name": "x"}])))
            .replace(r#""name":"x""#, r#""name":"\udc00""#),
        message_with("marketing", Some(json!({"n": 1}))).replace(r#""n":1"#, r#""n":1e999"#),
    ];
    for body in &unsure {
        assert!(!check(body), "vouched for {body}");
    }
    // A repeated field: the model refuses it, so must the probe.
    let repeated = message_with("plainText", Some(json!("a")))
        .replace(r#""plainText":"a""#, r#""plainText":"a","plainText":"b""#);
    assert!(!check(&repeated));
    assert!(Event::parse(repeated).unwrap().is_unparsed());
}

#[test]
fn vouches_for_the_lists_and_objects_the_model_reads_tolerantly() {
    let vouched = [
        message_with(
            "buttons",
            Some(json!([{"title": "Go", "url": "https://x"}, 3, null])),
        ),
        message_with(
            "blocks",
            Some(json!([{"type": "code", "value": "x"}, {"type": "bullets",
            "blocks": [{"type": "text", "value": "a"}]}, {"type": 5}, [1, 2], null])),
        ),
        message_with(
            "files",
            Some(json!([{"id": "f", "name": "a.png", "size": 1e300}])),
        ),
        message_with(
            "reactions",
            Some(json!([{"emojiName": "+1", "personKeys": ["u-1"]}])),
        ),
        message_with("options", Some(json!(["silent", "private"]))),
        message_with(
            "marketing",
            Some(json!({"type": "campaign", "id": "c", "n": 18446744073709551616_f64})),
        ),
        message_with("workflow", Some(json!("odd but kept"))),
    ];
    for body in &vouched {
        assert!(check(body), "did not vouch for {body}");
    }
}

#[test]
fn vouches_for_escapes_it_has_decoded() {
    assert!(check(&message_with(
        "plainText",
        Some(json!("line\n\"quoted\" \u{1F600}"))
    )));
    assert!(check(&message_with("id", Some(json!("m\\1")))));
    let lone = message_with("plainText", Some(json!("x")))
        .replace(r#""plainText":"x""#, r#""plainText":"\ud800""#);
    assert!(!check(&lone));
}

#[test]
fn the_located_entity_is_exact_whatever_the_spacing() {
    let body = "{ \"type\" : \"message\" , \"entity\"\n:\t{ \"id\":\"m1\",\"channelId\":\"1\",\"chatType\":\"group\",\
        \"chatId\":\"g\",\"chatKey\":\"group-g\",\"personType\":\"Bot\",\"personId\":\"b\",\"createdAt\":5 \r\n} , \"refers\":{} }";
    assert!(check(body));
    let event = Event::parse(body).unwrap();
    assert!(event.is_from_bot());
    assert!(
        event
            .inner
            .head
            .as_ref()
            .unwrap()
            .entity
            .get(event.body())
            .ends_with("\"createdAt\":5 \r\n}")
    );
    assert!(check(&format!("\u{feff}{body}")));
}

#[test]
fn keeps_the_promise_at_serde_json_s_nesting_limit() {
    let vouched: Vec<bool> = (120..132)
        .map(|depth| {
            let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            check(
                &message_with("id", Some(json!("m1")))
                    .replace(r#""id":"m1""#, &format!(r#""id":"m1","marketing":{deep}"#)),
            )
        })
        .collect();
    assert!(vouched[0] && !vouched[vouched.len() - 1], "{vouched:?}");
}

/// Values a field may hold in the property test.
fn any_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(json!(null)),
        Just(json!(true)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(1_600_158_433_443_i64)),
        Just(json!(u64::MAX)),
        Just(json!(1.5)),
        Just(json!("")),
        Just(json!("plain")),
        Just(json!("with \"escapes\" and\nlines")),
        Just(json!([])),
        Just(json!(["silent"])),
        Just(json!({})),
        Just(json!([{"type": "text", "value": "a"}])),
        Just(json!([{"type": "text", "value": "a"}, {"value": "b", "type": "text"}])),
        Just(json!([{"type": "text"}])),
        Just(json!([null])),
        Just(json!([{"type": "code", "value": "x", "language": 1}, [[]], {"blocks": {}}])),
        Just(json!({"nested": {"deeper": [1, "two", null]}})),
    ]
}

const FIELDS: &[&str] = &[
    "id",
    "channelId",
    "chatType",
    "chatId",
    "chatKey",
    "personType",
    "personId",
    "createdAt",
    "plainText",
    "blocks",
    "buttons",
    "files",
    "reactions",
    "options",
    "state",
    "requestId",
    "language",
    "threadKey",
    "rootMessageId",
    "root",
    "version",
    "updatedAt",
    "marketing",
    "supportBot",
    "workflow",
    "somethingNew",
];

proptest! {
    #[test]
    fn a_vouched_message_always_types(
        changes in proptest::collection::vec((0..FIELDS.len(), proptest::option::of(any_value())), 0..4)
    ) {
        let body = message_with("id", Some(json!("m1")));
        let mut value: serde_json::Value = serde_json::from_str(&body).unwrap();
        for (field, change) in changes {
            let entity = value["entity"].as_object_mut().unwrap();
            match change {
                Some(change) => { entity.insert(FIELDS[field].to_owned(), change); }
                None => { entity.remove(FIELDS[field]); }
            }
        }
        check(&format!(r#"{{"event":"push","type":"message","entity":{}}}"#, value["entity"]));
        same_reading(&value["entity"].to_string());
        same_reading(&serde_json::to_string_pretty(&value["entity"]).unwrap());
    }
}

#[test]
fn an_entity_key_with_escapes_is_read_the_raw_way_to_the_same_message() {
    let plain = message_with("plainText", Some(json!("hi")));
    let escaped = plain.replace(r#""entity":"#, r#""\u0065ntity":"#);
    assert_ne!(plain, escaped);
    let (plain, escaped) = (Event::parse(plain).unwrap(), Event::parse(escaped).unwrap());
    assert!(plain.inner.head.is_some() && escaped.inner.head.is_none());
    assert_eq!(escaped.message(), plain.message());
    assert_eq!(escaped.text().as_deref(), Some("hi"));
}
