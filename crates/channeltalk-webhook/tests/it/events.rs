//! Parsing every payload shape of the spec, from fixtures under `tests/fixtures/`.

use crate::common;

use channeltalk_webhook::model::{
    Action, Block, ChatType, EntityType, MessageState, PersonType, Timestamp, UserChatState,
    UserType,
};
use channeltalk_webhook::rich_text::{self, Inline};
use channeltalk_webhook::{Entity, Event, ParseError};
use common::fixture;

#[test]
fn spec_team_chat_message_from_a_manager() {
    let event = fixture("message_team_chat_manager");
    assert_eq!(event.action(), Some(&Action::Push));
    assert_eq!(event.entity_type(), Some(&EntityType::Message));
    let message = event.message().unwrap();
    assert_eq!(message.id, "6512f0c2a1b2c3d4e5f6");
    assert_eq!(message.chat_type, ChatType::Group);
    assert!(message.is_team_chat() && !message.is_user_chat());
    assert!(message.is_from_manager() && !message.is_from_bot() && !message.is_from_user());
    assert_eq!(
        message.created_at,
        Timestamp::from_millis(1_600_158_433_443)
    );
    assert_eq!(message.version, Some(1));
    assert_eq!(message.text().as_deref(), Some("Hi! Webhook Test"));
    assert_eq!(
        message.blocks,
        [Block::Text {
            value: "Hi! Webhook Test".into()
        }]
    );

    let manager = event.refers().manager().unwrap();
    assert_eq!(manager.name.as_deref(), Some("Kim"));
    assert_eq!(manager.operator, Some(true));
    assert_eq!(manager.operator_score, Some(0.0));
    let group = event.refers().group().unwrap();
    assert_eq!(group.manager_ids, ["1", "2", "3", "4"]);
    assert!(event.refers().user().is_none() && event.refers().bot().is_none());
}

#[test]
fn user_chat_message_with_every_documented_field() {
    let event = fixture("message_user_chat_full");
    let message = event.message().unwrap();
    assert!(message.is_from_user() && message.is_user_chat());
    assert_eq!(message.state, Some(MessageState::Sent));
    assert_eq!(message.language.as_deref(), Some("ko"));
    assert_eq!(message.thread_key.as_deref(), Some("t-1"));
    assert_eq!(message.root, Some(false));
    assert_eq!(message.options, ["markAsUnread"]);
    // Lists are read entry by entry (see `envelope_forms.rs` for odd entries).
    let button = message.buttons[0].known().unwrap();
    assert_eq!(button.url.as_deref(), Some("https://shop.example/track/42"));
    assert_eq!(button.web_url(), Some("https://shop.example/track/42"));
    assert_eq!(button.color_variant.as_deref(), Some("cobalt"));
    let file = message.files[0].known().unwrap();
    assert_eq!(
        (file.kind.as_deref(), file.size, file.width),
        (Some("image"), Some(20480), Some(640))
    );
    let reaction = message.reactions[0].known().unwrap();
    assert_eq!(reaction.emoji_name, "+1");
    assert_eq!(reaction.person_keys.len(), 2);
    assert_eq!(
        message.marketing.as_ref().unwrap()["exposureType"],
        "fullScreen"
    );
    assert!(
        matches!(&message.blocks[1], Block::Code { language: Some(l), value } if l == "json" && value == "{\"order\": 42}")
    );
    assert!(matches!(&message.blocks[2], Block::Bullets { blocks } if blocks.len() == 2));
    // plainText wins over the blocks.
    assert_eq!(
        message.text().as_deref(),
        Some("주문 확인 부탁드립니다 :pray:")
    );
}

#[test]
fn refers_are_typed_and_the_rest_stays_raw() {
    let event = fixture("message_user_chat_full");
    let user = event.refers().user().unwrap();
    assert_eq!(user.kind, Some(UserType::Member));
    assert_eq!(user.name.as_deref(), Some("김민수"));
    assert_eq!(user.profile.as_ref().unwrap()["visits"], 12);
    assert_eq!(user.unsubscribe_texting, Some(true));
    let chat = event.refers().user_chat().unwrap();
    assert_eq!(chat.state, Some(UserChatState::Opened));
    assert_eq!(chat.priority.as_deref(), Some("high"));
    // A fresh inquiry: the message's createdAt equals the chat's firstAskedAt.
    assert!(chat.is_first_question(event.message().unwrap().created_at));
    // `veil` is not modelled, yet readable.
    let veil: serde_json::Value = event.refers().get("veil").unwrap().unwrap();
    assert_eq!(veil["legacy"], true);
    assert!(event.refers().get::<serde_json::Value>("absent").is_none());
    assert!(event.refers().raw().unwrap().get().contains("\"veil\""));
}

#[test]
fn unmodelled_fields_stay_in_the_raw_body() {
    let event = fixture("message_user_chat_full");
    let json = event.to_json().unwrap();
    assert_eq!(json["entity"]["alertLevel"], "alert");
    assert_eq!(json["entity"]["somethingNew"]["nested"][2], 3);
    assert_eq!(json["entity"]["files"][0]["extra"], "kept raw");
    assert!(
        std::str::from_utf8(event.body())
            .unwrap()
            .contains("frontKey")
    );
}

#[test]
fn event_serializes_back_to_its_body() {
    let event = fixture("message_user_chat_full");
    let again: serde_json::Value = serde_json::to_value(&event).unwrap();
    assert_eq!(again, event.to_json().unwrap());
}

#[test]
fn bot_messages_are_recognised() {
    let event = fixture("message_bot");
    let message = event.message().unwrap();
    assert!(message.is_from_bot());
    assert_eq!(message.person_type, PersonType::Bot);
    assert_eq!(
        event.refers().bot().unwrap().name.as_deref(),
        Some("EchoBot")
    );
}

#[test]
fn text_falls_back_to_the_blocks_without_markup() {
    let event = fixture("message_blocks_only");
    let message = event.message().unwrap();
    assert_eq!(message.plain_text, None);
    assert_eq!(
        message.text().as_deref(),
        Some("Hello bold & docs\nfirst\nsecond")
    );
    let spans = rich_text::parse(match &message.blocks[0] {
        Block::Text { value } => value,
        other => panic!("{other:?}"),
    });
    assert!(
        spans
            .iter()
            .any(|s| s.style.bold && s.inline == Inline::Text("bold".into()))
    );
    assert!(spans.iter().any(|s| s.inline
        == Inline::Link {
            href: "https://e.com/?a=1&b=2".into(),
            label: "docs".into()
        }));
}

#[test]
fn unknown_blocks_and_misfit_known_blocks_are_kept_as_sent() {
    let event = fixture("message_blocks_only");
    let blocks = &event.message().unwrap().blocks;
    assert_eq!(blocks[2].kind(), "image");
    assert!(matches!(&blocks[2], Block::Unknown(map) if map["width"] == 100));
    assert!(matches!(&blocks[3], Block::Unknown(map) if map["value"]["not"] == "a string"));
    assert_eq!(blocks[3].kind(), "text");
    // Unknown blocks serialize back to the same JSON.
    let json = serde_json::to_value(&blocks[2]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"type":"image","url":"https://cdn.example/cat.png","width":100})
    );
}

#[test]
fn a_message_without_text_has_none() {
    let event = fixture("message_files_only");
    let message = event.message().unwrap();
    assert_eq!(message.text(), None);
    assert_eq!(
        message.files[0].known().unwrap().content_type.as_deref(),
        Some("application/pdf")
    );
}

#[test]
fn nulls_read_as_absent() {
    let event = fixture("message_nulls");
    let message = event.message().unwrap();
    assert!(message.blocks.is_empty() && message.files.is_empty() && message.options.is_empty());
    assert_eq!(
        (message.plain_text.as_ref(), message.state.as_ref()),
        (None, None)
    );
    assert!(event.refers().user().is_none() && event.refers().manager().is_none());
    let chat = event.refers().user_chat().unwrap();
    assert!(chat.manager_ids.is_empty() && chat.tags.is_empty());
}

#[test]
fn support_bot_and_workflow_are_kept_as_json() {
    let event = fixture("message_support_bot");
    let message = event.message().unwrap();
    let support_bot = message.support_bot.as_ref().unwrap();
    assert_eq!(support_bot["buttons"][1]["text"], "Refunds");
    assert_eq!(message.workflow.as_ref().unwrap()["actionIndex"], 2);
}

#[test]
fn unknown_enum_values_keep_their_text() {
    let event = fixture("message_new_chat_and_person_types");
    let message = event.message().unwrap();
    assert_eq!(message.chat_type, ChatType::Other("directChat".into()));
    assert_eq!(message.person_type.as_str(), "network");
    assert_eq!(message.state, Some(MessageState::Other("scheduled".into())));
    assert!(!message.is_user_chat() && !message.is_team_chat() && !message.is_from_bot());
}

#[test]
fn user_chat_opened_with_its_message_in_refers() {
    let event = fixture("user_chat_opened");
    assert_eq!(event.entity_type(), Some(&EntityType::UserChat));
    let chat = event.user_chat().unwrap();
    assert_eq!(chat.id.as_deref(), Some("64f1c0"));
    assert_eq!(chat.state, Some(UserChatState::Opened));
    assert!(event.message().is_none());
    assert_eq!(
        event.refers().message().unwrap().text().as_deref(),
        Some("こんにちは")
    );
    assert_eq!(
        event.refers().user().unwrap().name.as_deref(),
        Some("山田太郎")
    );
}

#[test]
fn older_user_chat_states_still_parse() {
    let event = fixture("user_chat_legacy_state");
    assert_eq!(event.action(), Some(&Action::Update));
    let chat = event.user_chat().unwrap();
    assert_eq!(chat.state, Some(UserChatState::Holding));
    assert_eq!(chat.closed_at, None);
    assert_eq!(
        chat.created_at.unwrap().to_system_time(),
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_500_000_000_000)
    );
}

#[test]
fn user_contact_change() {
    let event = fixture("user_updated");
    assert_eq!(event.action(), Some(&Action::Upsert));
    let user = event.user().unwrap();
    assert_eq!(user.kind, Some(UserType::Lead));
    assert_eq!(user.email.as_deref(), Some("new@example.com"));
    assert_eq!(user.unsubscribe_email, Some(true));
}

#[test]
fn unknown_entity_types_parse_as_other() {
    let event = fixture("unknown_type");
    assert_eq!(event.entity_type(), Some(&EntityType::Other("lead".into())));
    let Entity::Other(raw) = event.entity() else {
        panic!("{:?}", event.entity())
    };
    assert!(raw.get().contains("\"score\":99"));
    let campaign: serde_json::Value = event.refers().get("campaign").unwrap().unwrap();
    assert_eq!(campaign["id"], "cp-1");
}

#[test]
fn schema_drift_is_not_an_error() {
    let event = fixture("drift_entity");
    assert!(event.is_unparsed());
    let Entity::Unparsed {
        expected,
        raw,
        reason,
    } = event.entity()
    else {
        panic!("{:?}", event.entity())
    };
    assert_eq!(expected, &EntityType::Message);
    assert!(raw.get().contains("\"version\":\"1\""));
    assert!(reason.contains("invalid type"), "{reason}");
    assert!(event.message().is_none());
}

#[test]
fn a_drifted_refers_entry_is_left_untyped_but_readable() {
    let event = fixture("drift_refers");
    assert!(event.message().is_some());
    assert!(event.refers().manager().is_none());
    assert_eq!(event.refers().group().unwrap().name.as_deref(), Some("dev"));
    let manager: serde_json::Value = event.refers().get("manager").unwrap().unwrap();
    assert_eq!(manager["removed"], "no");
    assert!(
        event
            .refers()
            .get::<channeltalk_webhook::model::Manager>("manager")
            .unwrap()
            .is_err()
    );
}

#[test]
fn envelope_oddities_still_parse() {
    for body in [
        "{}",
        r#"{"event":5,"type":["message"],"entity":"text"}"#,
        r#"{"type":"message","entity":null}"#,
        r#"{"event":"push","type":"message","refers":[1,2]}"#,
        r#"{"event":"push","type":"message","entity":{"id":"1"},"type":"user"}"#,
    ] {
        let event = Event::parse(body).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert!(event.message().is_none(), "{body}");
    }
    let missing = Event::parse(r#"{"event":"push","type":"message"}"#).unwrap();
    assert!(matches!(missing.entity(), Entity::Missing));
    let untyped = Event::parse(r#"{"entity":{"id":"1"}}"#).unwrap();
    assert!(matches!(untyped.entity(), Entity::Other(_)));
    assert_eq!((untyped.action(), untyped.entity_type()), (None, None));
}

#[test]
fn repeated_envelope_keys_take_the_last_value() {
    let event =
        Event::parse(r#"{"type":"user","event":"push","type":"userChat","entity":{"id":"c"}}"#)
            .unwrap();
    assert_eq!(event.user_chat().unwrap().id.as_deref(), Some("c"));
}

#[test]
fn only_non_utf8_non_json_and_non_objects_are_malformed() {
    assert!(matches!(
        Event::parse(&b"{\"a\":\"\xff\"}"[..]),
        Err(ParseError::NotUtf8 { valid_up_to: 6 })
    ));
    for body in ["", "{", "{\"event\":", "{} x", "nul"] {
        assert!(
            matches!(Event::parse(body), Err(ParseError::NotJson(_))),
            "{body:?}"
        );
    }
    for body in ["[]", "1", "\"push\"", "null", "true"] {
        assert!(
            matches!(Event::parse(body), Err(ParseError::NotObject)),
            "{body:?}"
        );
    }
    let error = Event::parse("[]").unwrap_err().to_string();
    assert!(error.contains("not an object"), "{error}");
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend_from_slice(br#"{"event":"push","type":"user","entity":{"id":"u"}}"#);
    let event = Event::parse(body).unwrap();
    assert_eq!(event.user().unwrap().id.as_deref(), Some("u"));
    assert_eq!(event.to_json().unwrap()["entity"]["id"], "u");
}
