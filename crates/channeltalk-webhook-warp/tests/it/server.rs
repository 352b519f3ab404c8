//! A real warp server on 127.0.0.1, spoken to over raw HTTP/1.1. Every exchange is bounded
//! (the conformance hang guard): a hang fails the test instead of stalling the run.

use std::net::SocketAddr;

use channeltalk_webhook::testing::SampleEvent;
use channeltalk_webhook::{Event, Handler, QuickReply, Receiver, WebhookToken};
use channeltalk_webhook_conformance::{RawBody, RawRequest, send};
use warp::Filter;

const TOKEN: &str = "s3cr3t+/=&é";
const TARGET: &str = "/webhook?token=s3cr3t%2B%2F%3D%26%C3%A9";

use channeltalk_webhook_conformance::guarded;

/// Serves `POST /webhook` with `handler` on a fresh port, the way the crate docs compose it.
async fn start<H: Handler>(receiver: Receiver, handler: H) -> SocketAddr {
    let routes = warp::path("webhook")
        .and(warp::path::end())
        .and(channeltalk_webhook_warp::handle(receiver, handler))
        .recover(channeltalk_webhook_warp::recover);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(warp::serve(routes).incoming(listener).run());
    addr
}

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

fn post(text: &str) -> RawRequest {
    RawRequest::post(TARGET, SampleEvent::user_message(text).body())
}

/// Answers `T` from `상담봇`, and panics on the text `panic`.
async fn fragile(event: Event) -> Option<QuickReply> {
    let text = event.text()?;
    assert_ne!(text, "panic", "the handler panics on purpose");
    Some(
        QuickReply::new()
            .bot_name(channeltalk_webhook::BotName::from_static("상담봇"))
            .text(text),
    )
}

// `handle` with the echo handler is the echo-warp example's mount: its binary runs the
// matrix (examples/echo-warp/tests/binary.rs).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_gets_500_and_the_server_goes_on() {
    let addr = start(receiver(), fragile).await;
    let (panicked, after) = guarded(
        "a delivery to a panicking handler, then one more",
        move || {
            (
                send(addr, &post("panic")),
                send(addr, &post("still there?")),
            )
        },
    )
    .await;
    assert_eq!(panicked.unwrap().status, 500);
    let after = after.unwrap();
    assert_eq!(after.status, 200);
    assert_eq!(after.view().texts(), ["still there?"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_names_travel_as_raw_utf8_and_streamed_bodies_stop_at_the_limit() {
    let addr = start(receiver().body_limit(4096), fragile).await;
    let chunked: Vec<Vec<u8>> = vec![vec![b' '; 1024]; 8];
    let (named, oversized, after) =
        guarded("a named reply, an oversized body, one more", move || {
            (
                send(addr, &post("안녕하세요")),
                send(addr, &post("").body(RawBody::Chunked(chunked))),
                send(addr, &post("after")),
            )
        })
        .await;
    let named = named.unwrap();
    assert_eq!(named.status, 200);
    assert_eq!(named.header("x-bot-name"), Some("상담봇".as_bytes()));
    assert_eq!(named.view().texts(), ["안녕하세요"]);
    assert_eq!(oversized.unwrap().status, 413);
    assert_eq!(after.unwrap().view().texts(), ["after"]);
}
