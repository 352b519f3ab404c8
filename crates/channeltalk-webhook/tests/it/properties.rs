//! Invariants checked over generated inputs.

use channeltalk_webhook::model::Block;
use channeltalk_webhook::rich_text::{self, RichText};
use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Field names the models know, so generated entities collide with typed fields.
fn known_key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
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
        "version",
        "userId",
        "managerIds",
        "tags",
        "type",
        "value",
        "name",
        "profile",
    ])
    .prop_map(str::to_owned)
}

fn entity() -> impl Strategy<Value = Value> {
    prop::collection::vec((known_key(), json_value()), 0..12)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>()))
}

proptest! {
    /// Any JSON object is an event: never an error, never a panic.
    #[test]
    fn every_json_object_parses(
        kind in prop::sample::select(vec!["message", "userChat", "user", "lead", ""]),
        entity in entity(),
        refers in prop::collection::btree_map(prop::sample::select(vec!["manager", "group", "user", "userChat", "bot", "message", "veil"]).prop_map(str::to_owned), entity(), 0..4),
    ) {
        let body = serde_json::json!({"event": "push", "type": kind, "entity": entity, "refers": refers});
        let event = Event::parse(body.to_string());
        prop_assert!(event.is_ok(), "{body}");
    }

    /// Arbitrary bytes never panic the parser.
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = Event::parse(body);
    }

    /// Build, serialize, parse: the blocks of a quick reply come back as built, and their
    /// plain text is the text that was put in.
    #[test]
    fn quick_reply_blocks_round_trip(texts in prop::collection::vec("\\PC{0,40}", 1..5), code in "\\PC{0,40}") {
        let mut reply = QuickReply::new().code(Some("rust"), code.clone());
        for text in &texts {
            reply = reply.text(text.as_str());
        }
        reply = reply.bullets(texts.iter().map(String::as_str));
        let body: Value = serde_json::from_slice(&reply.to_body()).unwrap();
        let blocks: Vec<Block> = serde_json::from_value(body["blocks"].clone()).unwrap();
        prop_assert_eq!(&blocks, &reply.blocks().to_vec());
        prop_assert_eq!(blocks[0].plain_text(), code.as_str());
        for (block, text) in blocks[1..].iter().zip(&texts) {
            prop_assert_eq!(block.plain_text(), text.as_str());
        }
    }

    /// Text put into a message by a user and echoed through the builder comes back verbatim.
    #[test]
    fn escaped_text_survives_a_message_round_trip(text in "\\PC{1,60}") {
        let value = RichText::new().text(&text).into_string();
        prop_assert_eq!(rich_text::to_plain_text(&value), text.as_str());
        let body = serde_json::json!({"event":"push","type":"message","entity":{
            "id":"1","channelId":"1","chatType":"userChat","chatId":"1","chatKey":"userChat-1",
            "personType":"user","personId":"1","createdAt":1,"blocks":[{"type":"text","value":value}]}});
        let event = Event::parse(body.to_string()).unwrap();
        let message = event.message().unwrap();
        let echoed = message.text().map(|t| t.into_owned());
        prop_assert_eq!(echoed, Some(text));
    }

    /// Any query string either verifies the one right token or is refused; never panics.
    #[test]
    fn token_check_accepts_only_the_token(query in "[a-z=&%0-9+]{0,40}") {
        let token = WebhookToken::new("s3cr3t").unwrap();
        let accepted = token.verify_query(Some(&query)).is_ok();
        let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let tokens: Vec<&(String, String)> = params.iter().filter(|(k, _)| k == "token").collect();
        prop_assert_eq!(accepted, tokens.len() == 1 && tokens[0].1 == "s3cr3t");
    }

    /// Whatever the body, the receiver answers with a status from its table.
    #[test]
    fn the_receiver_answers_every_body_with_a_known_status(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let receiver = Receiver::new(WebhookToken::new("t").unwrap()).body_limit(100);
        let request = http::Request::post("/?token=t")
            .body(http_body_util::Full::new(bytes::Bytes::from(body)))
            .unwrap();
        let response = channeltalk_webhook::testing::block_on(receiver.handle(request, &|_: Event| async {}));
        let status = response.status().as_u16();
        prop_assert!([200, 400, 413].contains(&status), "{status}");
    }
}
