//! The filters over warp's test requests: statuses, bodies, headers, and how they compose.

use std::sync::atomic::{AtomicUsize, Ordering};

use channeltalk_webhook::http::StatusCode;
use channeltalk_webhook::testing::{ChannelView, SampleEvent};
use channeltalk_webhook::{QuickReply, WebhookToken, sync_handler};
use serde_json::json;

use std::sync::Arc;

use channeltalk_webhook::Reply;
use channeltalk_webhook::bytes::Bytes;
use channeltalk_webhook::http::Response;
use channeltalk_webhook::{Event, Handler, Receiver};
use channeltalk_webhook_warp::{WebhookReply, WebhookUnhandled, handle, recover, webhook};
use warp::{Filter, Rejection};

const TOKEN: &str = "s3cr3t";
const TARGET: &str = "/webhook?token=s3cr3t";

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

/// `POST /webhook` to `handler`, the way a user composes it.
fn routes<H: Handler>(
    receiver: Receiver,
    handler: H,
) -> impl Filter<Extract = (impl warp::Reply,), Error = Rejection> + Clone {
    warp::path("webhook")
        .and(warp::path::end())
        .and(handle(receiver, handler))
        .recover(recover)
}

/// A handler answering `상담봇: T` to a message with text T, counting its calls.
fn counting_handler(calls: Arc<AtomicUsize>) -> impl Handler {
    sync_handler(move |event: Event| {
        calls.fetch_add(1, Ordering::SeqCst);
        let text = event.text()?;
        Some(
            QuickReply::new()
                .bot_name(channeltalk_webhook::BotName::from_static("상담봇"))
                .text(text),
        )
    })
}

async fn post(target: &str, body: impl AsRef<[u8]>, calls: &Arc<AtomicUsize>) -> Response<Bytes> {
    warp::test::request()
        .method("POST")
        .path(target)
        .body(body)
        .reply(&routes(receiver(), counting_handler(calls.clone())))
        .await
}

#[tokio::test]
async fn a_message_gets_the_quick_reply_with_the_bot_name_bytes_intact() {
    let calls = Arc::new(AtomicUsize::new(0));
    let body = SampleEvent::user_message("안녕하세요").body();
    let response = post(TARGET, body, &calls).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-quick-reply"], "true");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        response.headers()["x-bot-name"].as_bytes(),
        "상담봇".as_bytes()
    );
    let view = ChannelView::from_response(&response);
    assert!(view.is_quick_reply());
    assert_eq!(view.bot_name().as_deref(), Some("상담봇"));
    assert_eq!(view.texts(), ["안녕하세요"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn bad_tokens_get_401_before_the_body_is_read() {
    let calls = Arc::new(AtomicUsize::new(0));
    let body = SampleEvent::user_message("hi").body();
    for (target, reason) in [
        ("/webhook", "missing token"),
        ("/webhook?", "missing token"),
        ("/webhook?a=1", "missing token"),
        ("/webhook?token=", "missing token"),
        ("/webhook?token=guess", "wrong token"),
        ("/webhook?token=s3cr3t&token=s3cr3t", "ambiguous token"),
    ] {
        let response = post(target, &body, &calls).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{target}");
        assert!(!response.body().is_empty(), "{target}: the core's reason");
        let refused = warp::test::request()
            .method("POST")
            .path(target)
            .body(&body)
            .filter(&webhook(receiver()))
            .await
            .unwrap_err();
        let refused = refused.find::<WebhookUnhandled>().unwrap();
        assert_eq!(refused.0.reason(), reason, "{target}");
    }
    // 401 wins over a malformed body: the token comes first.
    let response = post("/webhook?token=guess", "{", &calls).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn malformed_bodies_get_400() {
    let calls = Arc::new(AtomicUsize::new(0));
    for body in ["", "{", "[1,2,3]", "null", "{\"event\":\"push\"} x"] {
        let response = post(TARGET, body, &calls).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; charset=utf-8"
        );
    }
    let response = post(TARGET, b"{\"event\":\"push\xff\"}", &calls).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn oversized_bodies_get_413_with_or_without_a_true_content_length() {
    let calls = Arc::new(AtomicUsize::new(0));
    let small = receiver().body_limit(64);
    let filter = routes(small, counting_handler(calls.clone()));
    let big = vec![b' '; 65];
    // Declared: refused on the header alone.
    let response = warp::test::request()
        .method("POST")
        .path(TARGET)
        .body(&big)
        .reply(&filter)
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Understated or unreadable length: refused while the body streams in.
    for declared in ["0", "64", "not a number"] {
        let response = warp::test::request()
            .method("POST")
            .path(TARGET)
            .body(&big)
            .header("content-length", declared)
            .reply(&filter)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "content-length {declared:?}"
        );
    }
    // Exactly at the limit: accepted.
    let at_limit = SampleEvent::user_message("hi").body();
    let limit = at_limit.len();
    let response = warp::test::request()
        .method("POST")
        .path(TARGET)
        .body(&at_limit)
        .reply(&routes(
            receiver().body_limit(limit),
            counting_handler(calls.clone()),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn unknown_and_drifted_events_are_acknowledged() {
    let calls = Arc::new(AtomicUsize::new(0));
    let unknown = r#"{"event":"push","type":"lead","entity":{"id":"1"}}"#.to_owned();
    let drifted = SampleEvent::user_message("hi")
        .with("/entity/version", json!("1"))
        .body();
    for body in [unknown, drifted] {
        let response = post(TARGET, &body, &calls).await;
        assert_eq!(response.status(), StatusCode::OK, "{body}");
        assert!(!ChannelView::from_response(&response).is_quick_reply());
    }
    // Both reached the handler, which had nothing to say.
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_bot_message_is_acknowledged_without_calling_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let response = post(TARGET, SampleEvent::bot_message("echo: hi").body(), &calls).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body().as_ref(), b"ok");
    assert!(!ChannelView::from_response(&response).is_quick_reply());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn other_methods_get_405_and_other_paths_404() {
    let calls = Arc::new(AtomicUsize::new(0));
    let filter = routes(receiver(), counting_handler(calls.clone()));
    for method in ["GET", "PUT", "DELETE", "HEAD"] {
        let response = warp::test::request()
            .method(method)
            .path(TARGET)
            .reply(&filter)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
        assert_eq!(response.headers()["allow"], "POST");
    }
    for path in ["/", "/elsewhere?token=s3cr3t", "/webhook/more?token=s3cr3t"] {
        let response = warp::test::request()
            .method("POST")
            .path(path)
            .body(SampleEvent::user_message("hi").body())
            .reply(&filter)
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_panicking_handler_gets_500_and_the_next_request_is_answered() {
    let handler = sync_handler(|event: Event| {
        let text = event.text()?;
        assert_ne!(text, "panic", "the handler panics on purpose");
        Some(QuickReply::new().text(text))
    });
    let filter = routes(receiver(), handler);
    let response = warp::test::request()
        .method("POST")
        .path(TARGET)
        .body(SampleEvent::user_message("panic").body())
        .reply(&filter)
        .await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let response = warp::test::request()
        .method("POST")
        .path(TARGET)
        .body(SampleEvent::user_message("after").body())
        .reply(&filter)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(ChannelView::from_response(&response).texts(), ["after"]);
}

#[tokio::test]
async fn the_webhook_filter_extracts_the_event_for_a_webhook_reply() {
    let filter = warp::path("webhook")
        .and(webhook(receiver()))
        .map(|event: Event| {
            let answer = event.message().map(|_| QuickReply::new().text("got it"));
            WebhookReply::from(answer)
        })
        .recover(recover);
    let response = warp::test::request()
        .method("POST")
        .path(TARGET)
        .body(SampleEvent::user_message("hi").body())
        .reply(&filter)
        .await;
    assert_eq!(ChannelView::from_response(&response).texts(), ["got it"]);
    let response = warp::test::request()
        .method("POST")
        .path(TARGET)
        .body(SampleEvent::user_chat_opened().body())
        .reply(&filter)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body().as_ref(), b"ok");
}

#[tokio::test]
async fn a_refused_request_leaves_the_body_to_the_next_route() {
    let filter = warp::path("webhook")
        .and(handle(receiver(), |_: Event| async {}))
        .or(warp::body::bytes().map(|body: Bytes| format!("{} bytes", body.len())))
        .recover(recover);
    let response = warp::test::request()
        .method("POST")
        .path("/webhook?token=guess")
        .body("12345")
        .reply(&filter)
        .await;
    assert_eq!(response.body().as_ref(), b"5 bytes");
}

#[test]
fn replies_convert_into_the_cores_responses() {
    use warp::Reply as _;
    let ack = WebhookReply::from(()).into_response();
    assert_eq!(ack.status(), StatusCode::OK);
    assert_eq!(WebhookReply::from(None), WebhookReply(Reply::Ack));
    let quick = QuickReply::new()
        .bot_name(channeltalk_webhook::BotName::from_static("상담봇"))
        .text("hi");
    assert_eq!(
        WebhookReply::from(Some(quick.clone())),
        WebhookReply::from(Reply::Quick(quick.clone()))
    );
    let response = WebhookReply::from(quick).into_response();
    assert_eq!(response.headers()["x-quick-reply"], "true");
    assert_eq!(
        response.headers()["x-bot-name"].as_bytes(),
        "상담봇".as_bytes()
    );
}

#[tokio::test]
async fn recover_answers_only_webhook_rejections() {
    let other = recover(warp::reject::not_found()).await.unwrap_err();
    assert!(other.is_not_found());
    let refused = warp::reject::custom(WebhookUnhandled(
        channeltalk_webhook::adapter::Rejection::PayloadTooLarge { limit: 8 }.into(),
    ));
    let response = recover(refused).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        std::str::from_utf8(response.body())
            .unwrap()
            .contains("8-byte")
    );
}

#[test]
fn webhook_rejections_keep_the_cores_status_reason_and_message() {
    let refused =
        WebhookUnhandled(channeltalk_webhook::adapter::Rejection::MethodNotAllowed.into());
    assert_eq!(refused.0.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(refused.0.reason(), "method not allowed");
    assert!(refused.to_string().contains("POST"));
    assert_eq!(refused.0.to_response().headers()["allow"], "POST");
}

#[test]
fn your_own_handlers_replies_are_counted_as_the_cores_are() {
    channeltalk_webhook_conformance::assert_replies_counted(|reply| {
        drop(warp::Reply::into_response(WebhookReply(reply)));
    });
}
