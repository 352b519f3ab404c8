//! Every envelope form through the `Receiver`: users' and managers' messages reach the handler
//! and get their quick reply; bots' messages never do, whatever the envelope says.

use crate::common;

use common::fixture_body;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use channeltalk_webhook::adapter::{Skipped, Unhandled};
use channeltalk_webhook::testing::{ChannelView, SampleEvent, block_on};
use channeltalk_webhook::{Event, Policy, QuickReply, Receiver, WebhookToken, sync_handler};
use http::Request;
use http_body_util::Full;

const TOKEN: &str = "s3cr3t";

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

/// Delivers `body` to an echo handler; the echo (if any) and how often the handler ran.
fn deliver(receiver: &Receiver, body: Bytes) -> (Option<String>, usize) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let echo = sync_handler(move |event: Event| {
        counter.fetch_add(1, Ordering::SeqCst);
        // A handler that answers whatever message it gets, bot or not: the policy must keep
        // bots' messages away from it.
        let text = event.text()?;
        Some(QuickReply::new().text(format!("echo: {text}")))
    });
    let request = Request::post("/webhook?token=s3cr3t")
        .body(Full::new(body))
        .unwrap();
    let response = block_on(receiver.handle(request, &echo));
    assert_eq!(response.status(), 200);
    let view = ChannelView::from_response(&response);
    let echo = view.is_quick_reply().then(|| view.texts().join("\n"));
    (echo, calls.load(Ordering::SeqCst))
}

#[test]
fn users_and_managers_get_their_echo_in_every_form() {
    for (name, text) in [
        ("envelope_type_capitalised", "배송은 언제 오나요?"),
        ("envelope_scope_in_type_team_chat", "deploy done"),
        ("envelope_scope_in_event_no_type", "こんにちは"),
        (
            "message_bullets_null",
            "Order #42:\n2 × socks\nsize M\n{\"order\": 42}",
        ),
        (
            "message_link_without_value",
            "see https://a.example/x and this @Kim",
        ),
        ("message_odd_elements", "photo attached"),
    ] {
        let (echo, calls) = deliver(&receiver(), fixture_body(name));
        assert_eq!(
            echo.as_deref(),
            Some(format!("echo: {text}").as_str()),
            "{name}"
        );
        assert_eq!(calls, 1, "{name}");
    }
}

#[test]
fn bots_never_reach_the_handler_whatever_the_envelope_says() {
    let mut bodies: Vec<(String, Bytes)> = [
        "envelope_bot_scope_in_event_no_type",
        "envelope_bot_unrecognised_type",
    ]
    .into_iter()
    .map(|name| (name.to_owned(), fixture_body(name)))
    .collect();
    for (form, sample) in [
        (
            "type Message",
            SampleEvent::bot_message("x").kind("Message"),
        ),
        (
            "type message.created.teamChat",
            SampleEvent::bot_message("x")
                .in_team_chat()
                .kind("message.created.teamChat"),
        ),
        (
            "event scope, no type",
            SampleEvent::bot_message("x")
                .action("message.created.userChat")
                .without("/type"),
        ),
        (
            "personType BOT",
            SampleEvent::bot_message("x").with("/entity/personType", serde_json::json!("BOT")),
        ),
        (
            "unrecognised type",
            SampleEvent::bot_message("x").kind("somethingNew"),
        ),
        (
            "no type at all",
            SampleEvent::bot_message("x")
                .without("/type")
                .without("/event"),
        ),
        (
            "drifted, type Message",
            SampleEvent::bot_message("x")
                .kind("Message")
                .with("/entity/createdAt", serde_json::json!("now")),
        ),
    ] {
        bodies.push((form.to_owned(), sample.body().into()));
    }
    for (name, body) in bodies {
        let (echo, calls) = deliver(&receiver(), body.clone());
        assert_eq!((echo, calls), (None, 0), "{name}");
        let unhandled = block_on(receiver().accept(body.clone())).unwrap_err();
        assert!(
            matches!(unhandled, Unhandled::Skipped(Skipped::BotMessage)),
            "{name}"
        );
        // With the filter off, the handler sees them (and this one answers: a loop).
        let open = receiver().policy(Policy::default().ignore_bot_messages(false));
        assert!(block_on(open.accept(body)).unwrap().is_from_bot(), "{name}");
    }
}

#[test]
fn other_v5_deliveries_reach_the_handler_and_are_acknowledged() {
    for name in [
        "user_chat_v5",
        "user_chat_v4_handling",
        "lead_upserted_contact",
    ] {
        let (echo, calls) = deliver(&receiver(), fixture_body(name));
        assert_eq!((echo, calls), (None, 1), "{name}");
    }
}
