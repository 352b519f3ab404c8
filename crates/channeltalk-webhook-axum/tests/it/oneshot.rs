//! The adapter in-process: requests sent with `tower::ServiceExt::oneshot`, no socket.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::FromRef;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::routing::{any, post};
use axum::{Extension, Router};
use channeltalk_webhook::adapter::{Rejection, Unhandled};
use channeltalk_webhook::bytes::Bytes;
use channeltalk_webhook::testing::{ChannelView, SampleEvent};
use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
use channeltalk_webhook_axum::{
    Webhook, WebhookFromExtension, WebhookReply, WebhookUnhandled, router,
};
use futures_util::StreamExt;
use serde_json::json;
use tower::ServiceExt;

const TOKEN: &str = "s3cr3t";
const TARGET: &str = "/webhook?token=s3cr3t";

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

/// Answers every message with a quick reply from a Korean bot name and counts its calls.
fn counting_app(receiver: Receiver) -> (Router, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = router("/webhook", receiver, move |event: Event| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            let text = event.text()?;
            Some(
                QuickReply::new()
                    .bot_name(channeltalk_webhook::BotName::from_static("상담봇"))
                    .text(format!("받았습니다: {text}")),
            )
        }
    });
    (app, calls)
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn view(&self) -> ChannelView {
        ChannelView::new(
            self.status.as_u16(),
            self.headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_bytes())),
            &self.body,
        )
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let (head, body) = response.into_parts();
    Answer {
        status: head.status,
        headers: head.headers,
        body: axum::body::to_bytes(body, usize::MAX).await.unwrap(),
    }
}

fn post_body(target: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(target)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

fn sample(sample: &SampleEvent, target: &str) -> Request<Body> {
    post_body(target, sample.body())
}

/// A body of `chunks` pieces of `size` bytes, streamed with no `Content-Length`, counting how
/// many pieces were pulled.
fn counted_stream(chunks: usize, size: usize) -> (Body, Arc<AtomicUsize>) {
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&pulled);
    let stream = futures_util::stream::iter(0..chunks).map(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok::<_, std::io::Error>(Bytes::from(vec![b' '; size]))
    });
    (Body::from_stream(stream), pulled)
}

#[tokio::test]
async fn a_message_gets_a_quick_reply_with_the_korean_bot_name_intact() {
    let (app, calls) = counting_app(receiver());
    let answer = send(&app, sample(&SampleEvent::user_message("안녕"), TARGET)).await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["x-quick-reply"], "true");
    assert_eq!(answer.headers["content-type"], "application/json");
    assert_eq!(answer.headers["x-bot-name"].as_bytes(), "상담봇".as_bytes());
    let view = answer.view();
    assert!(view.is_quick_reply());
    assert_eq!(view.bot_name().as_deref(), Some("상담봇"));
    assert_eq!(view.texts(), ["받았습니다: 안녕"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_401_and_the_body_is_never_read() {
    let (app, calls) = counting_app(receiver());
    for target in ["/webhook", "/webhook?token=", "/webhook?token=guess"] {
        let (body, pulled) = counted_stream(4, 16);
        let answer = send(&app, post_body(target, body)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{target}");
        assert!(answer.text().contains("token"), "{}", answer.text());
        assert_eq!(pulled.load(Ordering::SeqCst), 0, "{target}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_malformed_body_is_400() {
    let (app, calls) = counting_app(receiver());
    for body in ["", "{", "[1,2,3]", "null", "{\"event\":\"push\"} x"] {
        let answer = send(&app, post_body(TARGET, body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(answer.headers["content-type"], "text/plain; charset=utf-8");
    }
    let invalid_utf8 = send(&app, post_body(TARGET, &b"{\"a\":\"\xff\"}"[..])).await;
    assert_eq!(invalid_utf8.status, StatusCode::BAD_REQUEST);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_body_that_fails_while_streaming_is_400() {
    let (app, _) = counting_app(receiver());
    let stream = futures_util::stream::iter([
        Ok(Bytes::from_static(b"{\"event\":")),
        Err(std::io::Error::other("connection reset")),
    ]);
    let answer = send(&app, post_body(TARGET, Body::from_stream(stream))).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.text().contains("connection reset"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn an_oversized_declared_length_is_413_before_the_body_is_read() {
    let (app, calls) = counting_app(receiver().body_limit(1024));
    let (body, pulled) = counted_stream(2, 1024);
    let request = Request::post(TARGET)
        .header(header::CONTENT_LENGTH, "2048")
        .body(body)
        .unwrap();
    let answer = send(&app, request).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        answer.text().contains("1024-byte limit"),
        "{}",
        answer.text()
    );
    assert_eq!(pulled.load(Ordering::SeqCst), 0);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_oversized_stream_without_length_is_413_as_soon_as_it_passes_the_limit() {
    let (app, calls) = counting_app(receiver().body_limit(1024));
    // 10 000 pieces of 100 bytes: the limit is passed on the 11th.
    let (body, pulled) = counted_stream(10_000, 100);
    let request = post_body(TARGET, body);
    assert!(request.headers().get(header::CONTENT_LENGTH).is_none());
    let answer = send(&app, request).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(pulled.load(Ordering::SeqCst), 11);
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    // Exactly at the limit, streamed: accepted.
    let mut at_limit = SampleEvent::user_message("hi").body().into_bytes();
    let closing = at_limit.pop();
    at_limit.resize(1023, b' ');
    at_limit.extend(closing);
    let pieces: Vec<Result<Bytes, std::io::Error>> = at_limit
        .chunks(100)
        .map(|piece| Ok(Bytes::copy_from_slice(piece)))
        .collect();
    let body = Body::from_stream(futures_util::stream::iter(pieces));
    let answer = send(&app, post_body(TARGET, body)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.view().texts(), ["받았습니다: hi"]);
}

#[tokio::test]
async fn an_unknown_event_type_is_200_ok() {
    let (app, calls) = counting_app(receiver());
    let body = r#"{"event":"push","type":"lead","entity":{"id":"1","whatever":[1,2,3]}}"#;
    let answer = send(&app, post_body(TARGET, body)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.view().is_quick_reply());
    assert_eq!(answer.body, "ok");
    // Genuine: the handler saw it (and had nothing to say).
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_drifted_message_is_200_ok() {
    let (app, _) = counting_app(receiver());
    let drifted = SampleEvent::user_message("hi").with("/entity/version", json!("1"));
    let answer = send(&app, sample(&drifted, TARGET)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.view().is_quick_reply());
}

#[tokio::test]
async fn a_bot_message_is_200_without_calling_the_handler() {
    let (app, calls) = counting_app(receiver());
    let answer = send(&app, sample(&SampleEvent::bot_message("echo: hi"), TARGET)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, "ok");
    assert!(!answer.view().is_quick_reply());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn other_methods_get_the_cores_405() {
    let (app, calls) = counting_app(receiver());
    for method in [Method::GET, Method::PUT, Method::DELETE, Method::HEAD] {
        let request = Request::builder()
            .method(method.clone())
            .uri(TARGET)
            .body(Body::empty())
            .unwrap();
        let answer = send(&app, request).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(answer.headers[header::ALLOW], "POST", "{method}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let elsewhere = send(&app, sample(&SampleEvent::user_message("hi"), "/other")).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_panicking_handler_gets_500_and_the_next_request_200() {
    let app = router("/webhook", receiver(), |event: Event| async move {
        let text = event.message().and_then(|m| m.text()).unwrap_or_default();
        if text == "boom" {
            panic!("handler failure (expected by this test)");
        }
        Some(QuickReply::new().text(format!("echo: {text}")))
    });
    let failed = send(&app, sample(&SampleEvent::user_message("boom"), TARGET)).await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    let next = send(&app, sample(&SampleEvent::user_message("hi"), TARGET)).await;
    assert_eq!(next.status, StatusCode::OK);
    assert_eq!(next.view().texts(), ["echo: hi"]);
}

// The extractor.

#[derive(Clone)]
struct AppState {
    receiver: Receiver,
    greeting: &'static str,
}

impl FromRef<AppState> for Receiver {
    fn from_ref(state: &AppState) -> Receiver {
        state.receiver.clone()
    }
}

async fn greet(
    axum::extract::State(state): axum::extract::State<AppState>,
    Webhook(event): Webhook,
) -> WebhookReply {
    let Some(text) = event.message().and_then(|m| m.text()) else {
        return WebhookReply::from(());
    };
    let reply = QuickReply::new()
        .bot_name(channeltalk_webhook::BotName::from_static("상담봇"))
        .text(format!("{} {text}", state.greeting));
    WebhookReply::from(reply)
}

fn state_app() -> Router {
    Router::new()
        .route("/webhook", any(greet))
        .with_state(AppState {
            receiver: receiver(),
            greeting: "어서 오세요,",
        })
}

#[tokio::test]
async fn the_extractor_takes_the_receiver_from_state() {
    let app = state_app();
    let answer = send(&app, sample(&SampleEvent::user_message("민수"), TARGET)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["x-bot-name"].as_bytes(), "상담봇".as_bytes());
    assert_eq!(answer.view().texts(), ["어서 오세요, 민수"]);

    let ack = send(&app, sample(&SampleEvent::user_chat_opened(), TARGET)).await;
    assert_eq!((ack.status, ack.body), (StatusCode::OK, Bytes::from("ok")));
}

#[tokio::test]
async fn the_extractor_rejects_with_the_cores_answers() {
    let app = state_app();
    let hi = SampleEvent::user_message("hi");
    let cases = [
        (
            sample(&hi, "/webhook?token=guess"),
            StatusCode::UNAUTHORIZED,
        ),
        (post_body(TARGET, "{"), StatusCode::BAD_REQUEST),
        (
            post_body(TARGET, vec![b' '; 2 << 20]),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            sample(&SampleEvent::bot_message("hi"), TARGET),
            StatusCode::OK,
        ),
    ];
    for (request, status) in cases {
        let answer = send(&app, request).await;
        assert_eq!(answer.status, status, "{}", answer.text());
        assert!(!answer.view().is_quick_reply());
    }
    let get = Request::get(TARGET).body(Body::empty()).unwrap();
    let answer = send(&app, get).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.headers[header::ALLOW], "POST");
}

#[tokio::test]
async fn the_extractor_works_with_the_receiver_as_the_whole_state() {
    async fn hook(Webhook(event): Webhook) -> WebhookReply {
        WebhookReply::from(event.message().map(|_| QuickReply::new().text("got it")))
    }
    let app = Router::new()
        .route("/webhook", post(hook))
        .with_state(receiver());
    let answer = send(&app, sample(&SampleEvent::user_message("hi"), TARGET)).await;
    assert_eq!(answer.view().texts(), ["got it"]);
}

async fn from_extension(WebhookFromExtension(event): WebhookFromExtension) -> WebhookReply {
    WebhookReply::from(
        event
            .message()
            .map(|_| QuickReply::new().text("via extension")),
    )
}

#[tokio::test]
async fn the_extension_extractor_takes_the_receiver_from_a_layer() {
    let app = Router::new()
        .route("/webhook", post(from_extension))
        .layer(Extension(receiver()));
    let answer = send(&app, sample(&SampleEvent::user_message("hi"), TARGET)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.view().texts(), ["via extension"]);

    let wrong = send(
        &app,
        sample(&SampleEvent::user_message("hi"), "/webhook?token=guess"),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let bot = send(&app, sample(&SampleEvent::bot_message("hi"), TARGET)).await;
    assert_eq!((bot.status, bot.body), (StatusCode::OK, Bytes::from("ok")));
}

#[tokio::test]
async fn the_extension_extractor_without_the_layer_is_axums_500() {
    let app = Router::new().route("/webhook", post(from_extension));
    let answer = send(&app, sample(&SampleEvent::user_message("hi"), TARGET)).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(answer.text().contains("Extension"), "{}", answer.text());
}

#[test]
fn replies_convert_from_everything_a_handler_returns() {
    use axum::response::IntoResponse;
    let quick = QuickReply::new().text("x");
    for (reply, is_quick) in [
        (WebhookReply::from(()), false),
        (WebhookReply::from(None::<QuickReply>), false),
        (WebhookReply::from(Some(quick.clone())), true),
        (WebhookReply::from(quick.clone()), true),
        (WebhookReply::from(channeltalk_webhook::Reply::Ack), false),
    ] {
        let response = reply.into_response();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().contains_key("x-quick-reply"), is_quick);
    }
    let rejection = WebhookUnhandled::from(Unhandled::from(Rejection::MethodNotAllowed));
    assert_eq!(
        rejection.to_string(),
        Rejection::MethodNotAllowed.to_string()
    );
    let response = rejection.into_response();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn your_own_handlers_replies_are_counted_as_the_cores_are() {
    use axum::response::IntoResponse;
    channeltalk_webhook_conformance::assert_replies_counted(|reply| {
        drop(WebhookReply(reply).into_response());
    });
}
