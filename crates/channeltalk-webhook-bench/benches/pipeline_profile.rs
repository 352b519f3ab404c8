//! A plain driver for instruction counts of each stage of the SDK's path for one delivery (the
//! documented team-chat message), for `valgrind --tool=callgrind`: every stage is its own
//! `#[inline(never)]` function, so that `callgrind_annotate --inclusive=yes` shows its cost.
//!
//! ```text
//! cargo bench -p channeltalk-webhook-bench --bench pipeline_profile --no-run   # prints the binary path
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/pipeline.cg <binary> 10000
//! callgrind_annotate --inclusive=yes /tmp/pipeline.cg | grep pipeline_profile::stage_
//! ```
//!
//! Divide each stage's count by the iterations. Stages: `begin` (method, token, declared
//! length), `body` (the collector taking the body), `parse` (`Event::parse`), `policy` (the
//! bot check), `handler` (the echo example's handler: the text, the quick reply), `reply`
//! (`QuickReply::into_response`), `drop` (dropping the event), and `whole` (the same through
//! the public pipeline: `begin`, `push`, `accept`, `call`). With no argument (as `cargo bench`
//! runs it) one iteration runs, as a smoke test.
#![allow(missing_docs)]

use std::hint::black_box;

use bytes::Bytes;
use channeltalk_webhook::adapter::BodyCollector;
use channeltalk_webhook::{BotName, Event, QuickReply, Receiver, WebhookToken};
use http::Response;

/// The documented team-chat message.
const SPEC_EVENT: &[u8] =
    include_bytes!("../../channeltalk-webhook/tests/fixtures/message_team_chat_manager.json");

const QUERY: &str = "token=pipeline-profile-token";

#[inline(never)]
fn stage_begin(receiver: &Receiver, length: u64) -> Option<BodyCollector> {
    receiver.begin("POST", Some(QUERY), Some(length)).ok()
}

#[inline(never)]
fn stage_body(mut collector: BodyCollector, body: &Bytes) -> Bytes {
    let _ = collector.push(body.clone());
    collector.finish()
}

#[inline(never)]
fn stage_parse(body: Bytes) -> Option<Event> {
    Event::parse(body).ok()
}

#[inline(never)]
fn stage_policy(event: &Event) -> bool {
    event.is_from_bot()
}

/// The name the echo examples reply with, checked at compile time.
const BOT: BotName = BotName::from_static("EchoBot");

/// The echo examples' handler.
#[inline(never)]
fn stage_handler(event: &Event) -> Option<QuickReply> {
    let text = event.text()?;
    Some(
        QuickReply::new()
            .bot_name(BOT)
            .text(format!("echo: {text}")),
    )
}

#[inline(never)]
fn stage_reply(reply: QuickReply) -> Response<Bytes> {
    reply.into_response()
}

#[inline(never)]
fn stage_drop(event: Event) {
    drop(event)
}

async fn echo(event: Event) -> Option<QuickReply> {
    stage_handler(&event)
}

#[inline(never)]
fn stage_whole(receiver: &Receiver, body: &Bytes) -> usize {
    let Ok(mut collector) = receiver.begin("POST", Some(QUERY), Some(body.len() as u64)) else {
        return 0;
    };
    if collector.push(body.clone()).is_err() {
        return 0;
    }
    let Ok(event) = channeltalk_webhook::testing::block_on(receiver.accept(collector.finish()))
    else {
        return 0;
    };
    let response = channeltalk_webhook::testing::block_on(receiver.call(&echo, event));
    response.body().len()
}

#[inline(never)]
fn stage_careful(body: &Bytes) -> usize {
    use channeltalk_webhook_bench::handwritten::{careful, to_http};
    let response = to_http(careful("pipeline-profile-token", Some(QUERY), body));
    response.body().len()
}

fn main() {
    let iterations: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let token = WebhookToken::new("pipeline-profile-token").expect("a token");
    let receiver = Receiver::new(token);
    let body = Bytes::from_static(SPEC_EVENT);
    let mut answered = 0;
    for _ in 0..iterations {
        let body = black_box(&body);
        let Some(collector) = stage_begin(&receiver, body.len() as u64) else {
            panic!("begin refused the delivery");
        };
        let collected = stage_body(collector, body);
        let event = stage_parse(collected).expect("the body parses");
        assert!(!stage_policy(&event));
        let reply = stage_handler(&event).expect("an echo");
        let response = stage_reply(reply);
        stage_drop(event);
        answered += response.body().len();
        answered += stage_whole(&receiver, body);
        answered += stage_careful(body);
    }
    assert!(answered > 0);
    println!("{iterations} iterations: ok");
}
