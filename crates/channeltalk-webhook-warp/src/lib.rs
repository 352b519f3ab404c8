#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! [warp](https://docs.rs/warp) 0.4 filters for Channel Talk (channel.io) webhooks.
//!
//! Every rule (the token, the size limit, parsing, which deliveries reach your handler, the
//! status of each outcome) lives in [`channeltalk_webhook`]; this crate only moves warp's
//! request into the core's [`Receiver`] and the core's answers back into warp.
//!
//! - [`handle`]: the whole webhook as one filter, running a core [`Handler`] (a panic in it
//!   answers 500 for that request only).
//! - [`webhook`]: a filter extracting the accepted [`Event`], for your own handling; answer
//!   with [`WebhookReply`].
//! - [`recover`]: answers the requests the core refused (401, 400, 413, 405, or 200 for
//!   deliveries the policy skips) and leaves every other rejection, warp's own 404 and 405
//!   included, to warp.
//!
//! ```no_run
//! use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
//! use warp::Filter;
//!
//! // The handler: echo users' messages back.
//! async fn echo(event: Event) -> Option<QuickReply> {
//!     let text = event.message()?.text()?.into_owned();
//!     let reply = QuickReply::new().bot_name("EchoBot").ok()?;
//!     Some(reply.text(format!("echo: {text}")))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let token = WebhookToken::new(std::env::var("CHANNEL_WEBHOOK_TOKEN")?)?;
//!     let receiver = Receiver::new(token);
//!
//!     // POST /webhook?token=…; other methods get 405, other paths 404.
//!     let routes = warp::path("webhook")
//!         .and(warp::path::end())
//!         .and(channeltalk_webhook_warp::handle(receiver, echo))
//!         .recover(channeltalk_webhook_warp::recover);
//!
//!     warp::serve(routes).run(([127, 0, 0, 1], 8080)).await;
//!     Ok(())
//! }
//! ```
//!
//! Put the path filters before [`webhook`] / [`handle`]: they check the token of every
//! request that reaches them.
//!
//! # Stability
//!
//! The filters follow warp 0.4; a new warp release that changes `Filter` or `Reply` means a
//! new major version of this crate. The events, replies and rules are those of
//! [`channeltalk_webhook`], whose stability note applies (Channel adds fields and event types
//! without notice; they are kept, not refused).

use std::sync::Arc;

use channeltalk_webhook::bytes::{Buf, Bytes};
use channeltalk_webhook::http::{HeaderValue, Method, Response};
use channeltalk_webhook::{BodyCollector, Event, Handler, Receiver, Reply, declared_length};
use futures_util::{Stream, StreamExt};
use warp::{Filter, Rejection};

/// A request the core refused, carried through warp's rejection system; [`recover`] answers it
/// with the core's status and reason.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct WebhookRejection(pub channeltalk_webhook::Rejection);

impl warp::reject::Reject for WebhookRejection {}

fn reject(rejection: channeltalk_webhook::Rejection) -> Rejection {
    warp::reject::custom(WebhookRejection(rejection))
}

/// What a handler answers, as a warp reply: the core's [`Reply`] (a quick reply or an
/// acknowledgement) turned into the core's response, header bytes unchanged.
///
/// ```
/// use channeltalk_webhook::{Event, QuickReply};
/// use channeltalk_webhook_warp::WebhookReply;
/// use warp::Filter;
///
/// # let receiver = channeltalk_webhook::Receiver::new(channeltalk_webhook::WebhookToken::new("t").unwrap());
/// let route = channeltalk_webhook_warp::webhook(receiver).map(|event: Event| {
///     let answer = event.message().map(|_| QuickReply::new().text("got it"));
///     WebhookReply::from(answer)
/// });
/// # let _ = route;
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebhookReply(pub Reply);

impl warp::Reply for WebhookReply {
    fn into_response(self) -> warp::reply::Response {
        warp::Reply::into_response(self.0.into_response())
    }
}

channeltalk_webhook::__reply_newtype_conversions!(WebhookReply);

/// A filter accepting a Channel webhook delivery and extracting its [`Event`].
///
/// In the core's order: not `POST` → 405; then the query's token (401) and the declared
/// `Content-Length` (413) before the body is touched; then the body, streamed into the core's
/// collector and refused (413) as soon as it passes the limit; then parsing (400) and the
/// policy (a bot's message is acknowledged with 200 without extracting an event). Refusals are
/// [`WebhookRejection`]s: add `.recover(channeltalk_webhook_warp::recover)`.
///
/// The body is taken only once the method, the token and the declared length have passed,
/// so a request refused on those leaves its body to the next route of an `or`.
pub fn webhook(receiver: Receiver) -> impl Filter<Extract = (Event,), Error = Rejection> + Clone {
    warp::any()
        .map(move || receiver.clone())
        .and(warp::method())
        .and(raw_query())
        .and(content_length())
        .and_then(begin)
        .untuple_one()
        .and(warp::body::stream())
        .and_then(read)
}

/// The raw query string; `None` when the request has none.
fn raw_query() -> impl Filter<Extract = (Option<String>,), Error = std::convert::Infallible> + Clone
{
    warp::query::raw()
        .map(Some)
        .or(warp::any().map(|| None))
        .unify()
}

/// The `Content-Length` header's value; `None` when the request has none.
fn content_length()
-> impl Filter<Extract = (Option<HeaderValue>,), Error = std::convert::Infallible> + Clone {
    warp::header::value("content-length")
        .map(Some)
        .or(warp::any().map(|| None))
        .unify()
}

async fn begin(
    receiver: Receiver,
    method: Method,
    query: Option<String>,
    content_length: Option<HeaderValue>,
) -> Result<(Receiver, BodyCollector), Rejection> {
    channeltalk_webhook::require_post(method.as_str()).map_err(reject)?;
    let declared = declared_length(content_length.as_ref().map(HeaderValue::as_bytes));
    let collector = receiver.begin(query.as_deref(), declared).map_err(reject)?;
    Ok((receiver, collector))
}

async fn read<S, B>(
    receiver: Receiver,
    mut collector: BodyCollector,
    body: S,
) -> Result<Event, Rejection>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let mut chunk =
            chunk.map_err(|error| reject(channeltalk_webhook::Rejection::unreadable(error)))?;
        collector
            .push(chunk.copy_to_bytes(chunk.remaining()))
            .map_err(reject)?;
    }
    receiver.parse(collector.finish()).map_err(reject)
}

/// The whole webhook as one filter: [`webhook`], then `handler` through
/// [`Receiver::call`], which turns its reply into the response and a panic into a 500 for
/// that request only. Add `.recover(channeltalk_webhook_warp::recover)`.
pub fn handle<H: Handler>(
    receiver: Receiver,
    handler: H,
) -> impl Filter<Extract = (Response<Bytes>,), Error = Rejection> + Clone {
    let handler = Arc::new(handler);
    webhook(receiver.clone()).then(move |event: Event| {
        let (receiver, handler) = (receiver.clone(), Arc::clone(&handler));
        async move { receiver.call(handler.as_ref(), event).await }
    })
}

/// Answers a [`WebhookRejection`] with the core's response and gives every other rejection
/// back unchanged, so warp still answers its own (404 for an unknown path, …):
/// `.recover(channeltalk_webhook_warp::recover)`.
pub async fn recover(rejection: Rejection) -> Result<Response<Bytes>, Rejection> {
    match rejection.find::<WebhookRejection>() {
        Some(refused) => Ok(refused.0.to_response()),
        None => Err(rejection),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use channeltalk_webhook::http::StatusCode;
    use channeltalk_webhook::testing::{ChannelView, SampleEvent};
    use channeltalk_webhook::{QuickReply, WebhookToken, sync_handler};
    use serde_json::json;

    use super::*;

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
            let text = event.message()?.text()?.into_owned();
            Some(QuickReply::new().bot_name("상담봇").ok()?.text(text))
        })
    }

    async fn post(
        target: &str,
        body: impl AsRef<[u8]>,
        calls: &Arc<AtomicUsize>,
    ) -> Response<Bytes> {
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
            let refused = refused.find::<WebhookRejection>().unwrap();
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
        let small = receiver().with_body_limit(64);
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
                receiver().with_body_limit(limit),
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
            let text = event.message()?.text()?.into_owned();
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
        let quick = QuickReply::new().bot_name("상담봇").unwrap().text("hi");
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
        let refused = reject(channeltalk_webhook::Rejection::PayloadTooLarge { limit: 8 });
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
        let refused = WebhookRejection(channeltalk_webhook::Rejection::MethodNotAllowed);
        assert_eq!(refused.0.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(refused.0.reason(), "method not allowed");
        assert!(refused.to_string().contains("POST"));
        assert_eq!(refused.0.to_response().headers()["allow"], "POST");
    }
}
