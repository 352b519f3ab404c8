//! The adapter inside actix-web's test harness (`init_service` + `call_service`): the mount
//! helper and the extractor, every outcome of the core.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::Method;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{App, HttpMessage, test, web};
use channeltalk_webhook::testing::{ChannelView, SampleEvent};
use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
use channeltalk_webhook_actix::{MISSING_RECEIVER, Webhook, WebhookReply, resource};

const TOKEN: &str = "t0k3n";
const LIMIT: usize = 4096;
const TARGET: &str = "/webhook?token=t0k3n";

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap()).body_limit(LIMIT)
}

/// Replies from `상담봇` with the message's text; panics on the text `panic`; counts its calls.
fn counselor(
    calls: Arc<AtomicUsize>,
) -> impl Fn(Event) -> std::future::Ready<Option<QuickReply>> + Send + Sync + 'static {
    move |event: Event| {
        calls.fetch_add(1, Ordering::SeqCst);
        let text = event
            .message()
            .and_then(|m| m.text())
            .map(|t| t.into_owned());
        if text.as_deref() == Some("panic") {
            panic!("the handler panicked on purpose");
        }
        std::future::ready(text.map(|text| {
            QuickReply::new()
                .bot_name(channeltalk_webhook::BotName::from_static("상담봇"))
                .text(format!("답변: {text}"))
        }))
    }
}

fn post(target: &str, body: impl Into<Vec<u8>>) -> test::TestRequest {
    test::TestRequest::post()
        .uri(target)
        .insert_header(("content-type", "application/json"))
        .set_payload(body.into())
}

async fn view<B: MessageBody>(response: ServiceResponse<B>) -> ChannelView {
    let status = response.status().as_u16();
    let headers: Vec<(String, Vec<u8>)> = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let body = test::read_body(response).await;
    ChannelView::new(
        status,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())),
        &body,
    )
}

fn text(view: &ChannelView) -> &str {
    std::str::from_utf8(view.body()).unwrap()
}

/// Sends each request to a fresh app mounting `counselor` with [`resource`]; returns the
/// answers and how often the handler ran.
/// The `bool` says whether to remove the `Content-Length` header (a streamed body).
async fn mounted(requests: Vec<(test::TestRequest, bool)>) -> (Vec<ChannelView>, usize) {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = test::init_service(App::new().service(resource(
        "/webhook",
        receiver(),
        counselor(calls.clone()),
    )))
    .await;
    let mut views = Vec::new();
    for (request, unsized_body) in requests {
        let mut request = request.to_request();
        if unsized_body {
            request.headers_mut().remove(CONTENT_LENGTH);
            assert!(!request.headers().contains_key(CONTENT_LENGTH));
        }
        views.push(view(test::call_service(&app, request).await).await);
    }
    (views, calls.load(Ordering::SeqCst))
}

async fn mounted_one(request: test::TestRequest) -> (ChannelView, usize) {
    let (mut views, calls) = mounted(vec![(request, false)]).await;
    (views.remove(0), calls)
}

#[actix_web::test]
async fn a_message_gets_a_quick_reply_with_the_korean_bot_name_bytes_intact() {
    let body = SampleEvent::user_message("안녕하세요").body();
    let calls = Arc::new(AtomicUsize::new(0));
    let app = test::init_service(App::new().service(resource(
        "/webhook",
        receiver(),
        counselor(calls.clone()),
    )))
    .await;
    let response = test::call_service(&app, post(TARGET, body).to_request()).await;
    assert_eq!(
        response.headers().get("x-bot-name").unwrap().as_bytes(),
        "상담봇".as_bytes()
    );
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/json"
    );
    let view = view(response).await;
    assert!(view.is_quick_reply(), "{}", text(&view));
    assert_eq!(view.bot_name().as_deref(), Some("상담봇"));
    assert_eq!(view.texts(), ["답변: 안녕하세요"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn missing_and_wrong_tokens_get_401_without_calling_the_handler() {
    let body = SampleEvent::user_message("hi").body();
    let (views, calls) = mounted(vec![
        (post("/webhook", body.clone()), false),
        (post("/webhook?token=", body.clone()), false),
        (post("/webhook?token=guess", body.clone()), false),
        (post("/webhook?token=t0k3n&token=t0k3n", body), false),
    ])
    .await;
    for view in &views {
        assert_eq!(view.status(), 401, "{}", text(view));
        assert!(!view.is_quick_reply());
    }
    assert!(text(&views[0]).contains("token"), "{}", text(&views[0]));
    assert_eq!(calls, 0);
}

#[actix_web::test]
async fn malformed_bodies_get_400() {
    let (views, calls) = mounted(vec![
        (post(TARGET, "{"), false),
        (post(TARGET, "[1,2,3]"), false),
        (post(TARGET, ""), false),
        (post(TARGET, b"{\"event\":\"push\xff\"}".to_vec()), false),
    ])
    .await;
    for view in &views {
        assert_eq!(view.status(), 400, "{}", text(view));
        assert_eq!(text(view).lines().count(), 1, "{}", text(view));
    }
    assert_eq!(calls, 0);
}

#[actix_web::test]
async fn oversized_bodies_get_413_with_and_without_content_length() {
    let oversized = vec![b' '; LIMIT + 1];
    let (views, calls) = mounted(vec![
        (post(TARGET, oversized.clone()), false),
        (post(TARGET, oversized), true),
    ])
    .await;
    for view in &views {
        assert_eq!(view.status(), 413, "{}", text(view));
    }
    assert_eq!(calls, 0);

    // At the limit exactly, accepted.
    let body = SampleEvent::user_message("hi").body();
    let padded = format!("{body}{}", " ".repeat(LIMIT - body.len()));
    let (view, _) = mounted_one(post(TARGET, padded)).await;
    assert_eq!(view.texts(), ["답변: hi"]);
}

#[actix_web::test]
async fn unknown_types_and_drifted_entities_get_200_without_a_reply() {
    let drift = SampleEvent::user_message("hi")
        .with("/entity/version", serde_json::json!("1"))
        .body();
    let (views, calls) = mounted(vec![
        (
            post(
                TARGET,
                r#"{"event":"push","type":"lead","entity":{"id":"1"}}"#,
            ),
            false,
        ),
        (post(TARGET, drift), false),
    ])
    .await;
    for view in &views {
        assert_eq!(view.status(), 200, "{}", text(view));
        assert!(!view.is_quick_reply());
        assert_eq!(text(view), "ok");
    }
    assert_eq!(calls, 2, "genuine deliveries reach the handler");
}

#[actix_web::test]
async fn a_bot_message_gets_200_and_the_handler_does_not_run() {
    let (view, calls) =
        mounted_one(post(TARGET, SampleEvent::bot_message("답변: hi").body())).await;
    assert_eq!((view.status(), text(&view)), (200, "ok"));
    assert!(!view.is_quick_reply());
    assert_eq!(calls, 0);
}

#[actix_web::test]
async fn other_methods_get_405_with_allow_post() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = test::init_service(App::new().service(resource(
        "/webhook",
        receiver(),
        counselor(calls.clone()),
    )))
    .await;
    for method in [Method::GET, Method::PUT, Method::DELETE, Method::HEAD] {
        let request = test::TestRequest::default()
            .method(method.clone())
            .uri(TARGET)
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status().as_u16(), 405, "{method}");
        assert_eq!(response.headers().get("allow").unwrap(), "POST", "{method}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[actix_web::test]
async fn a_panicking_handler_gets_500_and_the_next_request_is_served() {
    let (views, calls) = mounted(vec![
        (
            post(TARGET, SampleEvent::user_message("panic").body()),
            false,
        ),
        (
            post(TARGET, SampleEvent::user_message("still there?").body()),
            false,
        ),
    ])
    .await;
    assert_eq!(views[0].status(), 500, "{}", text(&views[0]));
    assert_eq!(views[1].status(), 200);
    assert_eq!(views[1].texts(), ["답변: still there?"]);
    assert_eq!(calls, 2);
}

// The extractor in the user's own handler.

async fn own_handler(event: Webhook) -> WebhookReply {
    match event.message().and_then(|message| message.text()) {
        Some(text) => QuickReply::new()
            .bot_name(channeltalk_webhook::BotName::from_static("상담봇"))
            .text(format!("extracted: {text}"))
            .into(),
        None => ().into(),
    }
}

#[actix_web::test]
async fn the_extractor_finds_a_plain_or_a_data_receiver() {
    let plain = test::init_service(
        App::new()
            .app_data(receiver())
            .route("/webhook", web::post().to(own_handler)),
    )
    .await;
    let data = test::init_service(
        App::new()
            .app_data(web::Data::new(receiver()))
            .route("/webhook", web::post().to(own_handler)),
    )
    .await;
    let body = SampleEvent::user_message("hi").body();
    let from_plain =
        view(test::call_service(&plain, post(TARGET, body.clone()).to_request()).await).await;
    let from_data = view(test::call_service(&data, post(TARGET, body).to_request()).await).await;
    for view in [from_plain, from_data] {
        assert!(view.is_quick_reply(), "{}", text(&view));
        assert_eq!(view.bot_name().as_deref(), Some("상담봇"));
        assert_eq!(view.texts(), ["extracted: hi"]);
    }
}

#[actix_web::test]
async fn the_extractor_answers_rejections_with_the_cores_responses() {
    let app = test::init_service(
        App::new()
            .app_data(receiver())
            .route("/webhook", web::post().to(own_handler)),
    )
    .await;
    let oversized = vec![b' '; LIMIT + 1];
    let mut chunked_oversized = post(TARGET, oversized.clone()).to_request();
    chunked_oversized.headers_mut().remove(CONTENT_LENGTH);
    let cases = [
        (post("/webhook?token=guess", "{}").to_request(), 401),
        (post(TARGET, "[1]").to_request(), 400),
        (post(TARGET, oversized).to_request(), 413),
        (chunked_oversized, 413),
        (
            post(TARGET, SampleEvent::bot_message("x").body()).to_request(),
            200,
        ),
    ];
    for (request, status) in cases {
        let view = view(test::call_service(&app, request).await).await;
        assert_eq!(view.status(), status, "{}", text(&view));
        assert!(!view.is_quick_reply(), "{}", text(&view));
        if status == 200 {
            assert_eq!(text(&view), "ok", "a bot message is acknowledged");
        }
    }
}

#[actix_web::test]
async fn a_missing_receiver_is_a_500_that_says_how_to_register_it() {
    let app = test::init_service(App::new().route("/webhook", web::post().to(own_handler))).await;
    let request = post(TARGET, SampleEvent::user_message("hi").body()).to_request();
    let view = view(test::call_service(&app, request).await).await;
    assert_eq!(view.status(), 500);
    assert_eq!(text(&view), MISSING_RECEIVER);
    assert!(text(&view).contains("app_data(receiver.clone())"));
}
