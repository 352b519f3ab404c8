//! Shared by the parse benchmarks (`parse`, `parse_profile`): the two bodies and the
//! hand-written minimal model a typical bot declares.

use bytes::Bytes;
use serde::Deserialize;

/// The documented team-chat message event (`docs/protocol.md`), 782 bytes.
pub const SPEC_EVENT: &[u8] =
    include_bytes!("../../../channeltalk-webhook/tests/fixtures/message_team_chat_manager.json");

/// A large user-chat message event (~10 KiB): 32 blocks (text with markup, code, bullets),
/// buttons, files, reactions, marketing, and six `refers` entries (user, userChat, manager,
/// bot, group, veil).
pub const LARGE_EVENT: &[u8] = include_bytes!("../fixtures/large_event.json");

/// The bodies, named as in the benchmark ids.
pub fn bodies() -> [(&'static str, Bytes); 2] {
    [
        ("spec_event", Bytes::from_static(SPEC_EVENT)),
        ("large_event", Bytes::from_static(LARGE_EVENT)),
    ]
}

/// The hand-written model: only what an echo bot reads.
#[derive(Debug, Deserialize)]
pub struct MinimalEvent {
    /// `event`.
    pub event: Option<String>,
    /// `type`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `entity`, read as a message.
    pub entity: Option<MinimalMessage>,
}

/// The message fields a bot reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MinimalMessage {
    /// `personType`.
    pub person_type: Option<String>,
    /// `chatType`.
    pub chat_type: Option<String>,
    /// `plainText`.
    pub plain_text: Option<String>,
    /// `blocks[]`.
    #[serde(default)]
    pub blocks: Vec<MinimalBlock>,
}

/// A block's `value` (absent on bullets).
#[derive(Debug, Deserialize)]
pub struct MinimalBlock {
    /// `value`.
    pub value: Option<String>,
}

impl MinimalEvent {
    /// Whether this is a pushed message with text, as a bot would check before replying.
    pub fn is_message_with_text(&self) -> bool {
        self.event.as_deref() == Some("push")
            && self.kind.as_deref() == Some("message")
            && self.entity.as_ref().is_some_and(|m| {
                m.person_type.is_some()
                    && m.chat_type.is_some()
                    && (m.plain_text.is_some() || m.blocks.iter().any(|b| b.value.is_some()))
            })
    }
}

/// What a typical handler makes the SDK do: parse, the receiver's bot check, then the
/// message's text (`Event::text`). Returns the text's length (0 when there is none or the event is a bot's).
pub fn sdk_handler_work(body: &Bytes) -> usize {
    let Ok(event) = channeltalk_webhook::Event::parse(body.clone()) else {
        return 0;
    };
    if event.is_from_bot() {
        return 0;
    }
    event.text().map_or(0, |text| text.len())
}

/// The same work with the hand-written minimal struct: parse, skip bots, read the text.
pub fn minimal_handler_work(body: &Bytes) -> usize {
    let Ok(event) = serde_json::from_slice::<MinimalEvent>(body) else {
        return 0;
    };
    let Some(message) = event.entity else {
        return 0;
    };
    if message.person_type.as_deref() == Some("bot") {
        return 0;
    }
    message.plain_text.map_or(0, |text| text.len())
}

/// Checks that every way of parsing understands `body` before it is measured.
pub fn check(body: &Bytes) {
    let event = channeltalk_webhook::Event::parse(body.clone()).expect("the SDK parses the body");
    let message = event.message().expect("a typed message entity");
    assert!(message.text().is_some(), "the message has text");
    let value: serde_json::Value = serde_json::from_slice(body).expect("valid JSON");
    assert!(value["entity"]["blocks"].is_array());
    let minimal: MinimalEvent = serde_json::from_slice(body).expect("fits the minimal model");
    assert!(minimal.is_message_with_text());
    assert!(sdk_handler_work(body) > 0 && minimal_handler_work(body) > 0);
}
