//! The parts of a posted message beyond its text, over real HTTP against the fake Channel:
//! files, a web page, a form and options are sent as Channel's message schema has them;
//! buttons without a title or an action and unknown options are refused before anything is
//! sent; and the fake refuses what the schema refuses.

use crate::common;

use channeltalk_api::testing::FakeChannel;
use channeltalk_api::{ApiError, ChatTarget, OutgoingMessage, QuickReply, SendMessage};
use channeltalk_webhook::model::{Button, File, MessageError};
use common::{last, raw};
use serde_json::json;

fn chat() -> ChatTarget {
    ChatTarget::user_chat(FakeChannel::USER_CHAT_ID)
}

#[tokio::test]
async fn files_a_web_page_a_form_and_options_are_sent_as_the_schema_has_them() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    let page = serde_json::from_value(json!({"id": "wp-1", "url": "https://shop.example/42",
                                              "title": "Order 42"}))
    .unwrap();
    let form = serde_json::from_value(json!({"type": "custom",
        "inputs": [{"type": "text", "label": "Order number", "bindingKey": "orderId"}]}))
    .unwrap();
    let message = OutgoingMessage::new()
        .text("Your receipt")
        .file(File::uploaded(
            "f-1",
            "receipt.pdf",
            55_012,
            "bin.channel.io",
            "pub-file/197228/receipt.pdf",
        ))
        .web_page(page)
        .form(form)
        .button(Button::link("Track", "https://shop.example/track/42").color("cobalt"))
        .option("silentToManager")
        .option("doNotSearch")
        .option("silentToManager");
    let sent = client
        .send(SendMessage::new(chat(), message).request_id("req-parts"))
        .await
        .unwrap();
    let request = last(&fake);
    assert_eq!(
        request.body,
        json!({
            "blocks": [{"type": "text", "value": "Your receipt"}],
            "buttons": [{"title": "Track", "colorVariant": "cobalt",
                         "action": {"type": "web", "attributes": {"url": "https://shop.example/track/42"}}}],
            "files": [{"id": "f-1", "name": "receipt.pdf", "size": 55_012,
                       "bucket": "bin.channel.io", "key": "pub-file/197228/receipt.pdf"}],
            "webPage": {"id": "wp-1", "url": "https://shop.example/42", "title": "Order 42"},
            "form": {"type": "custom",
                     "inputs": [{"type": "text", "label": "Order number", "bindingKey": "orderId"}]},
            "options": ["silentToManager", "doNotSearch"],
            "requestId": "req-parts"
        })
    );
    // Read back as Channel stores it.
    let posted = sent.message.as_ref().unwrap();
    assert_eq!(posted.files[0].known().unwrap().size, Some(55_012));
    assert_eq!(
        posted
            .web_page
            .as_ref()
            .and_then(|page| page.known())
            .and_then(|page| page.title.as_deref()),
        Some("Order 42")
    );
    assert_eq!(posted.options, ["silentToManager", "doNotSearch"]);
    // The posted file can be linked to.
    let link = client
        .file_url(&chat(), "pub-file/197228/receipt.pdf")
        .await
        .unwrap();
    assert!(link.url.is_some());
}

#[tokio::test]
async fn a_message_of_files_alone_is_posted() {
    let fake = FakeChannel::start().await;
    let message = OutgoingMessage::new().file(File::uploaded("f", "a.png", 1, "bin", "k/a.png"));
    fake.client()
        .send(SendMessage::new(chat(), message))
        .await
        .unwrap();
    assert_eq!(fake.posted_messages().len(), 1);
}

#[tokio::test]
async fn buttons_without_title_or_action_and_unknown_options_are_not_sent() {
    let fake = FakeChannel::start().await;
    let client = fake.client();
    let deprecated: Button =
        serde_json::from_value(json!({"title": "Docs", "url": "https://docs.example"})).unwrap();
    let untitled = Button::link("", "https://docs.example");
    for (message, expected) in [
        (
            OutgoingMessage::from("x").button(deprecated),
            "button 0 cannot be posted",
        ),
        (
            OutgoingMessage::from("x")
                .button(Button::link("Ok", "https://e.com"))
                .button(untitled),
            "button 1 cannot be posted",
        ),
        (
            OutgoingMessage::from("x").option("silent").option("loud"),
            "\"loud\" is not a message option",
        ),
    ] {
        let error = client
            .send(SendMessage::new(chat(), message))
            .await
            .unwrap_err();
        assert!(matches!(error, ApiError::InvalidMessage(_)), "{error:?}");
        assert!(error.to_string().contains(expected), "{error}");
    }
    assert!(fake.requests().is_empty(), "nothing was sent");

    // A quick reply keeps compiling with strings, and leaves an unknown option out of its body.
    let reply = QuickReply::new().text("hi").option("silent").option("loud");
    assert!(matches!(
        reply.message().check(),
        Err(MessageError::UnknownOption { .. })
    ));
    let body: serde_json::Value = serde_json::from_slice(&reply.to_body()).unwrap();
    assert_eq!(body["options"], json!(["silent"]));
}

#[tokio::test]
async fn the_fake_refuses_what_channels_message_schema_refuses() {
    let fake = FakeChannel::start().await;
    let path = format!("/open/v5/user-chats/{}/messages", FakeChannel::USER_CHAT_ID);
    let text = json!([{"type": "text", "value": "hi"}]);
    let file = json!({"id": "f", "name": "n", "size": 1, "bucket": "b", "key": "k"});
    for body in [
        json!({"blocks": text, "options": ["silent", "silent"]}),
        json!({"blocks": text, "options": ["markAsUnread"]}),
        json!({"blocks": text, "buttons": [{"title": "Docs", "url": "https://e.com"}]}),
        json!({"blocks": text, "buttons": [{"title": "x", "action": {"attributes": {}}}]}),
        json!({"blocks": text, "buttons": [{"title": "x", "colorVariant": "teal",
                                            "action": {"type": "web", "attributes": {"url": "u"}}}]}),
        json!({"blocks": [{"type": "image", "value": "x"}]}),
        json!({"files": vec![file.clone(); 11]}),
        json!({"files": [{"id": "f", "name": "n"}]}),
        json!({"blocks": text, "webPage": {"title": "no id, no url"}}),
        json!({"blocks": text, "form": {"inputs": []}}),
    ] {
        let (status, answer) = raw(&fake, "POST", &path, Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {answer}");
    }
    assert!(fake.posted_messages().is_empty());
    let (status, _) = raw(&fake, "POST", &path, Some(json!({"files": [file]}))).await;
    assert_eq!(status, 200);
}
