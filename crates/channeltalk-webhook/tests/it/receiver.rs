//! The receiver's pipeline: the order of the checks, the policy, the statuses, the handler.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use channeltalk_webhook::adapter::{Rejection, Skipped, TokenError, Unhandled};
use channeltalk_webhook::testing::{ChannelView, SampleEvent, block_on};
use channeltalk_webhook::{
    Event, MemoryStore, Policy, QuickReply, Receiver, Reply, WebhookToken, sync_handler,
};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, StreamBody};

const TOKEN: &str = "s3cr3t";

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

/// The step-by-step way in over a whole body: `begin`, one chunk, `accept`.
fn receive(receiver: &Receiver, query: Option<&str>, body: Bytes) -> Result<Event, Unhandled> {
    let mut collector = receiver.begin("POST", query, Some(body.len() as u64))?;
    collector.push(body)?;
    block_on(receiver.accept(collector.finish()))
}

fn counting_echo(calls: Arc<AtomicUsize>) -> impl channeltalk_webhook::Handler {
    sync_handler(move |event: Event| {
        calls.fetch_add(1, Ordering::SeqCst);
        let text = event.text()?;
        Some(
            QuickReply::new()
                .bot_name(channeltalk_webhook::BotName::from_static("상담봇"))
                .text(format!("echo: {text}")),
        )
    })
}

#[test]
fn the_token_is_checked_before_the_size_and_the_body() {
    let r = receiver().body_limit(10);
    let big = Bytes::from(vec![b'{'; 100]);
    let rejection = receive(&r, Some("token=wrong"), big.clone()).unwrap_err();
    assert!(matches!(
        rejection,
        Unhandled::Rejected(Rejection::Unauthorized(TokenError::Mismatch))
    ));
    assert!(matches!(
        r.begin("POST", None, Some(1 << 40)),
        Err(Rejection::Unauthorized(TokenError::Missing))
    ));
    assert!(matches!(
        receive(&r, Some("token=s3cr3t"), big),
        Err(Unhandled::Rejected(Rejection::PayloadTooLarge {
            limit: 10
        }))
    ));
    assert!(matches!(
        receive(&r, Some("token=s3cr3t"), Bytes::from("{")),
        Err(Unhandled::Rejected(Rejection::Malformed(_)))
    ));
}

#[test]
fn a_genuine_message_reaches_the_handler_and_gets_its_quick_reply() {
    let calls = Arc::new(AtomicUsize::new(0));
    let request = SampleEvent::user_message("안녕하세요").request("/hook?token=s3cr3t");
    let response = block_on(receiver().handle(request, &counting_echo(calls.clone())));
    let view = ChannelView::from_response(&response);
    assert!(view.is_quick_reply());
    assert_eq!(view.bot_name().as_deref(), Some("상담봇"));
    assert_eq!(view.texts(), ["echo: 안녕하세요"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn bot_messages_are_acknowledged_without_calling_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    for sample in [
        SampleEvent::bot_message("echo: hi"),
        // Drifted (createdAt as a string), but still a bot's message: never answered.
        SampleEvent::bot_message("echo: hi").with("/entity/createdAt", serde_json::json!("now")),
    ] {
        let response = block_on(receiver().handle(
            sample.request("/?token=s3cr3t"),
            &counting_echo(calls.clone()),
        ));
        assert_eq!(response.status(), StatusCode::OK);
        assert!(!ChannelView::from_response(&response).is_quick_reply());
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let rejection = receive(
        &receiver(),
        Some("token=s3cr3t"),
        SampleEvent::bot_message("x").body().into(),
    )
    .unwrap_err();
    assert!(matches!(rejection, Unhandled::Skipped(Skipped::BotMessage)));
}

#[test]
fn the_policy_can_let_bot_messages_through() {
    let r = receiver().policy(Policy::default().ignore_bot_messages(false));
    let event = receive(
        &r,
        Some("token=s3cr3t"),
        SampleEvent::bot_message("x").body().into(),
    )
    .unwrap();
    assert!(event.message().unwrap().is_from_bot());
}

#[test]
fn unknown_and_drifted_events_reach_the_handler_and_are_acknowledged() {
    let calls = Arc::new(AtomicUsize::new(0));
    for body in [
        r#"{"event":"push","type":"lead","entity":{"id":"1"}}"#.to_owned(),
        SampleEvent::user_message("hi")
            .with("/entity/version", serde_json::json!("1"))
            .body(),
    ] {
        let request = Request::post("/?token=s3cr3t").body(body).unwrap();
        let response = block_on(receiver().handle(request, &counting_echo(calls.clone())));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.body(), "ok");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn repeated_deliveries_are_handled_once_with_a_guard() {
    let calls = Arc::new(AtomicUsize::new(0));
    let r = receiver().deduplication(MemoryStore::default());
    let handler = counting_echo(calls.clone());
    for _ in 0..3 {
        let request = SampleEvent::user_message("hi")
            .id("same")
            .request("/?token=s3cr3t");
        let response = block_on(r.handle(request, &handler));
        assert_eq!(response.status(), StatusCode::OK);
    }
    let other = SampleEvent::user_message("hi")
        .id("other")
        .request("/?token=s3cr3t");
    block_on(r.handle(other, &handler));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn a_panicking_handler_gets_500_and_the_receiver_goes_on() {
    let r = receiver();
    let panicking = sync_handler(|_: Event| -> Reply { panic!("boom") });
    let response = block_on(r.handle(
        SampleEvent::user_message("hi").request("/?token=s3cr3t"),
        &panicking,
    ));
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let async_panicking = |_: Event| async move {
        if true {
            panic!("async boom");
        }
    };
    let response = block_on(r.handle(
        SampleEvent::user_message("hi").request("/?token=s3cr3t"),
        &async_panicking,
    ));
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let calls = Arc::new(AtomicUsize::new(0));
    let response = block_on(r.handle(
        SampleEvent::user_message("hi").request("/?token=s3cr3t"),
        &counting_echo(calls),
    ));
    assert!(ChannelView::from_response(&response).is_quick_reply());
}

#[test]
fn only_post_is_accepted() {
    for method in ["GET", "PUT", "DELETE", "HEAD"] {
        let request = Request::builder()
            .method(method)
            .uri("/?token=s3cr3t")
            .body(String::new())
            .unwrap();
        let response = block_on(receiver().handle(request, &|_: Event| async {}));
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
        assert_eq!(response.headers()[http::header::ALLOW], "POST");
    }
}

#[test]
fn a_streamed_body_is_refused_as_soon_as_it_passes_the_limit() {
    let r = receiver().body_limit(1000);
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    // An endless body: the receiver must stop reading it.
    let endless = futures_util::stream::repeat_with(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok::<_, std::io::Error>(http_body::Frame::data(Bytes::from_static(&[b' '; 100])))
    });
    let request = Request::post("/?token=s3cr3t")
        .body(StreamBody::new(endless))
        .unwrap();
    let response = block_on(r.handle(request, &sync_handler(|_: Event| ())));
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(pulled.load(Ordering::SeqCst), 11);
}

#[test]
fn a_streamed_body_with_a_bad_token_is_never_read() {
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let body = futures_util::stream::repeat_with(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok::<_, std::io::Error>(http_body::Frame::data(Bytes::from_static(b"{}")))
    });
    let request = Request::post("/?token=nope")
        .body(StreamBody::new(body))
        .unwrap();
    let response = block_on(receiver().handle(request, &sync_handler(|_: Event| ())));
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(pulled.load(Ordering::SeqCst), 0);
}

#[test]
fn a_declared_length_over_the_limit_is_refused_before_reading() {
    let r = receiver().body_limit(10);
    let request = Request::post("/?token=s3cr3t")
        .header("content-length", "11")
        .body(http_body_util::Empty::<Bytes>::new())
        .unwrap();
    let (head, body) = request.into_parts();
    assert!(matches!(
        block_on(r.extract("POST", head.uri.query(), Some(11), body)),
        Err(Unhandled::Rejected(Rejection::PayloadTooLarge {
            limit: 10
        }))
    ));
}

#[test]
fn a_body_read_error_is_a_400() {
    let failing = futures_util::stream::iter([
        Ok(http_body::Frame::data(Bytes::from_static(b"{"))),
        Err(std::io::Error::other("connection reset")),
    ]);
    let request = Request::post("/?token=s3cr3t")
        .body(StreamBody::new(failing))
        .unwrap();
    let response = block_on(receiver().handle(request, &sync_handler(|_: Event| ())));
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        std::str::from_utf8(response.body())
            .unwrap()
            .contains("connection reset")
    );
}

#[test]
fn a_chunked_body_is_joined() {
    let body = SampleEvent::user_message("hi").body();
    let chunks: Vec<Result<_, std::io::Error>> = body
        .as_bytes()
        .chunks(5)
        .map(|c| Ok(http_body::Frame::data(Bytes::copy_from_slice(c))))
        .collect();
    let request = Request::post("/?token=s3cr3t")
        .body(StreamBody::new(futures_util::stream::iter(chunks)).boxed())
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let response = block_on(receiver().handle(request, &counting_echo(calls)));
    assert_eq!(ChannelView::from_response(&response).texts(), ["echo: hi"]);
}

#[test]
fn no_rejection_shows_the_token() {
    let r = receiver();
    let mut shown = Vec::new();
    for query in [None, Some("token=s3cr3"), Some("token=s3cr3t&token=s3cr3t")] {
        let rejection = receive(&r, query, Bytes::from("{}")).unwrap_err();
        shown.push(format!("{rejection} {rejection:?}"));
        shown.push(String::from_utf8(rejection.into_response().body().to_vec()).unwrap());
    }
    shown.push(format!("{r:?}"));
    for text in shown {
        assert!(!text.contains(TOKEN), "{text}");
    }
}
