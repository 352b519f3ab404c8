//! [`SampleEvent`]: realistic deliveries shaped like the spec's examples, to edit and send.

use bytes::Bytes;
use serde_json::{Value, json};

use crate::event::Event;

/// A delivery body under construction, shaped like Channel's (see `docs/protocol.md`).
///
/// ```
/// use channeltalk_webhook::testing::SampleEvent;
///
/// let event = SampleEvent::manager_message("deploy done").in_team_chat().event();
/// let message = event.message().unwrap();
/// assert!(message.is_from_manager() && message.is_team_chat());
/// assert_eq!(message.text().as_deref(), Some("deploy done"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SampleEvent {
    json: Value,
}

const CHANNEL_ID: &str = "12345";
const CREATED_AT: i64 = 1_600_158_433_443;

impl SampleEvent {
    /// A customer's message with `text` in a user chat.
    pub fn user_message(text: &str) -> Self {
        Self::message("user", "u-1001", text)
    }

    /// A manager's message with `text` in a user chat (see [`SampleEvent::in_team_chat`]).
    pub fn manager_message(text: &str) -> Self {
        Self::message("manager", "98765", text)
    }

    /// A bot's message with `text` (what your own quick replies look like when they come back).
    pub fn bot_message(text: &str) -> Self {
        Self::message("bot", "bot-1", text)
    }

    /// A user chat opened by a customer (`"type":"userChat"`).
    pub fn user_chat_opened() -> Self {
        SampleEvent {
            json: json!({
                "event": "push", "type": "userChat",
                "entity": {
                    "id": "c-2001", "channelId": CHANNEL_ID, "userId": "u-1001", "state": "opened",
                    "managerIds": [], "tags": [], "createdAt": CREATED_AT, "openedAt": CREATED_AT,
                    "firstOpenedAt": CREATED_AT, "version": 1
                },
                "refers": {"user": user()}
            }),
        }
    }

    /// A customer whose contact details changed (`"type":"user"`).
    pub fn user_updated() -> Self {
        SampleEvent {
            json: json!({"event": "upsert", "type": "user", "entity": user()}),
        }
    }

    /// Any JSON, for shapes the constructors do not cover.
    pub fn from_json(json: Value) -> Self {
        SampleEvent { json }
    }

    fn message(person_type: &str, person_id: &str, text: &str) -> Self {
        let mut refers = serde_json::Map::new();
        match person_type {
            "manager" => refers.insert("manager".into(), manager()),
            "bot" => refers.insert(
                "bot".into(),
                json!({"id": "bot-1", "channelId": CHANNEL_ID, "name": "EchoBot"}),
            ),
            _ => refers.insert("user".into(), user()),
        };
        refers.insert(
            "userChat".into(),
            json!({"id": "c-2001", "channelId": CHANNEL_ID, "userId": "u-1001",
            "state": "opened", "firstAskedAt": CREATED_AT}),
        );
        SampleEvent {
            json: json!({
                "event": "push", "type": "message",
                "entity": {
                    "chatKey": "userChat-c-2001", "id": "6512f0c2a1b2c3d4e5f6", "channelId": CHANNEL_ID,
                    "chatType": "userChat", "chatId": "c-2001", "personType": person_type,
                    "personId": person_id, "requestId": "req-1", "createdAt": CREATED_AT, "version": 1,
                    "blocks": [{"type": "text", "value": crate::rich_text::escape(text)}],
                    "plainText": text
                },
                "refers": refers
            }),
        }
    }

    /// Moves a message into a team chat (`chatType: "group"`), with `refers.group`.
    pub fn in_team_chat(mut self) -> Self {
        self.set("/entity/chatType", json!("group"));
        self.set("/entity/chatId", json!("1234"));
        self.set("/entity/chatKey", json!("group-1234"));
        if let Some(refers) = self.json.get_mut("refers").and_then(Value::as_object_mut) {
            refers.remove("userChat");
            refers.insert(
                "group".into(),
                json!({"id": "1234", "channelId": CHANNEL_ID, "name": "dev",
                "scope": "all", "managerIds": ["98765"]}),
            );
        }
        self
    }

    /// Sets the message id (to test deduplication).
    pub fn id(mut self, id: &str) -> Self {
        self.set("/entity/id", json!(id));
        self
    }

    /// Removes the message's text (`plainText` and `blocks`), as for a file-only message.
    pub fn without_text(mut self) -> Self {
        if let Some(entity) = self.json.get_mut("entity").and_then(Value::as_object_mut) {
            entity.remove("plainText");
            entity.remove("blocks");
            entity.insert(
                "files".into(),
                json!([{"id": "f1", "type": "image", "name": "cat.png", "size": 1024}]),
            );
        }
        self
    }

    /// Sets the envelope's `type` as given (`"Message"`, `"message.created.teamChat"`, …), to
    /// try the envelope forms Channel uses.
    pub fn kind(self, kind: &str) -> Self {
        self.with("/type", json!(kind))
    }

    /// Sets the envelope's `event` as given (`"push"`, `"message.created.userChat"`, …).
    pub fn action(self, event: &str) -> Self {
        self.with("/event", json!(event))
    }

    /// Removes the value at a JSON pointer (`/type`, `/entity/plainText`), if there is one.
    pub fn without(mut self, pointer: &str) -> Self {
        let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        if let Some(object) = self.json.pointer_mut(parent).and_then(Value::as_object_mut) {
            object.remove(key);
        }
        self
    }

    /// Replaces a message's body with these `blocks` and no `plainText`, so that its text
    /// comes from the blocks (as in deliveries that carry blocks only).
    pub fn blocks(self, blocks: Value) -> Self {
        self.without("/entity/plainText")
            .with("/entity/blocks", blocks)
    }

    /// Sets the value at a JSON pointer (`/entity/version`), creating nothing: the parent
    /// must exist. Returns `self` for chaining.
    pub fn with(mut self, pointer: &str, value: Value) -> Self {
        self.set(pointer, value);
        self
    }

    fn set(&mut self, pointer: &str, value: Value) {
        if let Some(slot) = self.json.pointer_mut(pointer) {
            *slot = value;
            return;
        }
        let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        if let Some(object) = self.json.pointer_mut(parent).and_then(Value::as_object_mut) {
            object.insert(key.to_owned(), value);
        }
    }

    /// The JSON.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The body as Channel would send it.
    pub fn body(&self) -> String {
        self.json.to_string()
    }

    /// The parsed event.
    pub fn event(&self) -> Event {
        match Event::parse(Bytes::from(self.body())) {
            Ok(event) => event,
            Err(error) => unreachable!("a serialized JSON object always parses: {error}"),
        }
    }

    /// A `POST` request to `path_and_query` with this body, as Channel sends it.
    pub fn request(&self, path_and_query: &str) -> http::Request<String> {
        let mut request = http::Request::new(self.body());
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = path_and_query.parse().unwrap_or_default();
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        request
    }
}

fn user() -> Value {
    json!({"id": "u-1001", "channelId": CHANNEL_ID, "memberId": "member-1", "type": "member",
        "name": "김민수", "profile": {"name": "김민수"}, "language": "ko", "country": "KR",
        "unsubscribeEmail": false, "createdAt": CREATED_AT, "updatedAt": CREATED_AT})
}

fn manager() -> Value {
    json!({"id": "98765", "channelId": CHANNEL_ID, "accountId": "555", "username": "kim",
        "name": "Kim", "email": "kim@example.com", "role": "owner", "removed": false,
        "createdAt": 1_597_800_948_329_i64, "operator": true, "operatorScore": 0.0,
        "avatarUrl": "https://cdn.example/k.png"})
}
