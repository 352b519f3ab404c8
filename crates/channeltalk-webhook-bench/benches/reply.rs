//! Building and serializing the echo bot's quick reply, the SDK against hand-written JSON.
//!
//! - `sdk_response`: `QuickReply::new().bot_name(channeltalk_webhook::BotName::from_static("EchoBot")).text(format!("echo: {text}"))`
//!   then `.into_response()`: checks the bot name, escapes the text as rich text (`&`, `<`,
//!   `>`), serializes `{"blocks":[…]}` and builds the `http::Response` with its three headers.
//! - `sdk_body`: the same reply, body only (`to_body()`), no headers.
//! - `hand_body`: `serde_json::to_vec(&json!({"blocks":[{"type":"text","value":…}]}))`, as
//!   hand-rolled bots do. It does NOT escape rich-text markup: user text such as
//!   `<link type="url" value="…">` is posted as a live link. Not the same output, less work.
//! - `hand_response`: `hand_body` plus the same `http::Response` and headers as the SDK.
//!
//! Run: `cargo bench -p channeltalk-webhook --bench reply`. Compare ratios within one run.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use channeltalk_webhook::QuickReply;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::header::{CONTENT_TYPE, HeaderValue};

/// The texts echoed: the spec's example, and a longer one with characters to escape.
fn texts() -> [(&'static str, String); 2] {
    [
        ("spec_text", "Hi! Webhook Test".to_owned()),
        (
            "markup_1k",
            "주문 <b>#42</b> & 배송 <link type=\"url\" value=\"https://e.com\">문의</link> :pray: "
                .repeat(10),
        ),
    ]
}

fn sdk_reply(text: &str) -> QuickReply {
    QuickReply::new()
        .bot_name(channeltalk_webhook::BotName::from_static("EchoBot"))
        .text(format!("echo: {text}"))
}

fn hand_body(text: &str) -> Vec<u8> {
    let body = serde_json::json!({"blocks": [{"type": "text", "value": format!("echo: {text}")}]});
    serde_json::to_vec(&body).expect("serializable")
}

fn hand_response(text: &str) -> http::Response<Bytes> {
    let mut response = http::Response::new(Bytes::from(hand_body(text)));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("x-quick-reply", HeaderValue::from_static("true"));
    headers.insert("x-bot-name", HeaderValue::from_static("EchoBot"));
    response
}

fn reply(c: &mut Criterion) {
    for (name, text) in texts() {
        // Same shape; the SDK's text is escaped, the hand-written one is not.
        let sdk = sdk_reply(&text).into_response();
        let hand = hand_response(&text);
        assert_eq!(sdk.headers(), hand.headers());
        let sdk_json: serde_json::Value = serde_json::from_slice(sdk.body()).expect("JSON");
        assert_eq!(sdk_json["blocks"][0]["type"], "text");
        assert_eq!(sdk.body() == hand.body(), !text.contains(['<', '>', '&']));

        let mut group = c.benchmark_group(format!("reply/{name}"));
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function("sdk_response", |b| {
            b.iter(|| sdk_reply(black_box(&text)).into_response())
        });
        group.bench_function("sdk_body", |b| {
            b.iter(|| sdk_reply(black_box(&text)).to_body())
        });
        group.bench_function("hand_body", |b| b.iter(|| hand_body(black_box(&text))));
        group.bench_function("hand_response", |b| {
            b.iter(|| hand_response(black_box(&text)))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(3));
    targets = reply
}
criterion_main!(benches);
