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
//!     let text = event.text()?;
//!     let reply = QuickReply::new().bot_name(channeltalk_webhook::BotName::from_static("EchoBot"));
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
//! # Versioning
//!
//! The SDK's crates are released together, with one version number. A new major version of
//! warp is supported in a new minor (0.x) release of this crate. What a request is
//! answered (statuses, bodies, headers) is decided by `channeltalk-webhook` and changes only
//! with it; this crate adds no rule of its own.

use std::sync::Arc;

use channeltalk_webhook::adapter::declared_length;
use channeltalk_webhook::adapter::{BodyCollector, Unhandled, answer};
use channeltalk_webhook::bytes::{Buf, Bytes};
use channeltalk_webhook::http::{HeaderValue, Method, Response};
use channeltalk_webhook::{Event, Handler, Receiver, Reply};
use futures_util::{Stream, StreamExt};
use http_body_util::StreamBody;
use warp::{Filter, Rejection};

/// A delivery the core answered without your handler ([`Unhandled`]: refused, or skipped and
/// acknowledged), carried through warp's rejection system; [`recover`] answers it with the
/// core's status and body.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct WebhookUnhandled(pub Unhandled);

impl warp::reject::Reject for WebhookUnhandled {}

fn reject(unhandled: impl Into<Unhandled>) -> Rejection {
    warp::reject::custom(WebhookUnhandled(unhandled.into()))
}

/// What a handler answers, as a warp reply: the core's [`Reply`] (a quick reply or an
/// acknowledgement) turned into the core's response, header bytes unchanged.
///
/// The delivery is counted (`replied` or `acknowledged`) when the response is built, as the
/// core counts its own handlers' answers ([`channeltalk_webhook::adapter::answer`]).
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
        warp::Reply::into_response(answer(self.0))
    }
}

channeltalk_webhook::adapter::reply_conversions!(WebhookReply);

/// A filter accepting a Channel webhook delivery and extracting its [`Event`].
///
/// In the core's order: not `POST` → 405; then the query's token (401) and the declared
/// `Content-Length` (413) before the body is touched; then the body, streamed into the core's
/// collector and refused (413) as soon as it passes the limit; then parsing (400) and the
/// policy (a bot's message is acknowledged with 200 without extracting an event). Deliveries
/// answered without your handler are [`WebhookUnhandled`] rejections: add
/// `.recover(channeltalk_webhook_warp::recover)`.
///
/// The body is taken only once the method, the token and the declared length have passed,
/// so a request refused on those leaves its body to the next route of an `or`: that is why
/// this filter uses the core's step-by-step way ([`Receiver::begin`], then the core's body
/// loop over warp's stream wrapped as an `http_body::Body`, then [`Receiver::accept`]).
pub fn webhook(receiver: Receiver) -> impl Filter<Extract = (Event,), Error = Rejection> + Clone {
    warp::method()
        .and(raw_query())
        .and(content_length())
        .and_then(move |method, query, content_length| {
            std::future::ready(begin(&receiver, method, query, content_length))
        })
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

fn begin(
    receiver: &Receiver,
    method: Method,
    query: Option<String>,
    content_length: Option<HeaderValue>,
) -> Result<(Receiver, BodyCollector), Rejection> {
    let declared = declared_length(content_length.as_ref().map(HeaderValue::as_bytes));
    let collector = receiver
        .begin(method.as_str(), query.as_deref(), declared)
        .map_err(reject)?;
    Ok((receiver.clone(), collector))
}

async fn read<S, B>(
    receiver: Receiver,
    collector: BodyCollector,
    body: S,
) -> Result<Event, Rejection>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let frames = body.map(|chunk| {
        chunk.map(|mut data| http_body::Frame::data(data.copy_to_bytes(data.remaining())))
    });
    let body = collector
        .read(StreamBody::new(frames))
        .await
        .map_err(reject)?;
    receiver.accept(body).await.map_err(reject)
}

/// The whole webhook as one filter: [`webhook`], then `handler` through
/// [`Receiver::call`], which turns its reply into the response and a panic into a 500 for
/// that request only. Add `.recover(channeltalk_webhook_warp::recover)`.
pub fn handle<H: Handler>(
    receiver: Receiver,
    handler: H,
) -> impl Filter<Extract = (Response<Bytes>,), Error = Rejection> + Clone {
    // One shared pair: one reference count touched per request.
    let shared = Arc::new((receiver.clone(), handler));
    webhook(receiver).then(move |event: Event| {
        let shared = Arc::clone(&shared);
        async move {
            let (receiver, handler) = &*shared;
            receiver.call(handler, event).await
        }
    })
}

/// Answers a [`WebhookUnhandled`] with the core's response and gives every other rejection
/// back unchanged, so warp still answers its own (404 for an unknown path, …):
/// `.recover(channeltalk_webhook_warp::recover)`.
pub async fn recover(rejection: Rejection) -> Result<Response<Bytes>, Rejection> {
    match rejection.find::<WebhookUnhandled>() {
        Some(refused) => Ok(refused.0.to_response()),
        None => Err(rejection),
    }
}
