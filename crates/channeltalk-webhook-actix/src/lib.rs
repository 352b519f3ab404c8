#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! [actix-web 4](https://docs.rs/actix-web/4) adapter for [`channeltalk_webhook`]: Channel Talk
//! (channel.io) webhook events in your actix handlers, quick replies as their return value.
//!
//! Every rule (token, body limit, parsing, bot messages, statuses, reply format) is the core's;
//! this crate only translates actix-web's request into the core's inputs and the core's
//! `http` 1 response into actix-web's own (`http` 0.2) response, byte for byte.
//!
//! - [`resource`]: mount a core [`Handler`](channeltalk_webhook::Handler) at a path in one line
//!   (every method goes to the core: `POST` is handled, any other method gets the core's 405,
//!   a panicking handler 500).
//! - [`Webhook`]: an extractor yielding the [`Event`] once the core accepted the delivery, for
//!   your own actix handlers; it needs the [`Receiver`] in app data.
//! - [`WebhookReply`]: a [`Responder`] for the core's [`Reply`] and
//!   [`QuickReply`](channeltalk_webhook::QuickReply).
//! - [`WebhookUnhandled`]: a delivery the core answered without your handler (a refusal, or
//!   a bot's message acknowledged with 200) as an actix [`ResponseError`].
//!
//! ```no_run
//! use actix_web::{App, HttpServer};
//! use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
//!
//! /// Echoes customers' and managers' messages (bot messages never reach a handler).
//! async fn echo(event: Event) -> Option<QuickReply> {
//!     let text = event.text()?;
//!     let reply = QuickReply::new().bot_name(channeltalk_webhook::BotName::from_static("EchoBot"));
//!     Some(reply.text(format!("echo: {text}")))
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let token = WebhookToken::new(std::env::var("CHANNEL_WEBHOOK_TOKEN")?)?;
//!     let receiver = Receiver::new(token);
//!     HttpServer::new(move || {
//!         // POST /webhook?token=… → `echo`; other methods → 405; other paths → actix's 404.
//!         App::new().service(channeltalk_webhook_actix::resource("/webhook", receiver.clone(), echo))
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await?;
//!     Ok(())
//! }
//! ```
//!
//! # Versioning
//!
//! The SDK's crates are released together, with one version number. A new major version of
//! actix-web is supported in a new minor (0.x) release of this crate. What a request is
//! answered (statuses, bodies, headers) is decided by `channeltalk-webhook` and changes only
//! with it; this crate adds no rule of its own.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, LazyLock};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, Resource, Responder, ResponseError, web};
use channeltalk_webhook::adapter::{
    RESPONSE_HEADER_NAMES, RESPONSE_HEADER_VALUES, Unhandled, answer, declared_length,
};
use channeltalk_webhook::bytes::Bytes;
use channeltalk_webhook::{Event, Receiver, Reply, http};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use http_body_util::StreamBody;

/// The body of the 500 answered when a [`Webhook`] is extracted and no [`Receiver`] was
/// registered: a configuration error of the app, not of the request.
pub const MISSING_RECEIVER: &str = "channeltalk-webhook-actix configuration error: no \
    channeltalk_webhook::Receiver in the app data. Register one with \
    `App::new().app_data(receiver.clone())` (or `.app_data(web::Data::new(receiver))`), \
    or mount the handler with `channeltalk_webhook_actix::resource(path, receiver, handler)`.\n";

/// Extracts the [`Event`] of a delivery the core accepted (token, size, body, policy).
///
/// The [`Receiver`] comes from the app data, registered either plainly,
/// `App::new().app_data(receiver.clone())`, or as `web::Data<Receiver>`; without one the
/// request gets a 500 whose body is [`MISSING_RECEIVER`]. The body is streamed into the core's
/// collector, so an oversized body is refused (413) before the rest is buffered.
///
/// The method is checked by the core like the token: route it with `web::post()` or
/// `web::to()`, a method other than `POST` gets the core's 405 either way. A delivery the core
/// answers without your handler fails extraction with a [`WebhookUnhandled`] carrying that
/// answer: a refusal (401, 400, 413, 405) or, for a delivery the policy skips (a bot's
/// message), `200 ok`.
///
/// ```no_run
/// use actix_web::{App, HttpServer, web};
/// use channeltalk_webhook::{QuickReply, Receiver, WebhookToken};
/// use channeltalk_webhook_actix::{Webhook, WebhookReply};
///
/// async fn hook(event: Webhook) -> WebhookReply {
///     match event.message().and_then(|message| message.text()) {
///         Some(text) => QuickReply::new().text(format!("you said {text}")).into(),
///         None => ().into(),
///     }
/// }
///
/// # async fn run() -> std::io::Result<()> {
/// let receiver = Receiver::new(WebhookToken::new("s3cr3t").expect("a valid token"));
/// HttpServer::new(move || {
///     App::new()
///         .app_data(receiver.clone())
///         .route("/hook", web::post().to(hook))
/// })
/// .bind(("127.0.0.1", 8080))?
/// .run()
/// .await
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Webhook(pub Event);

impl Webhook {
    /// The event.
    pub fn into_inner(self) -> Event {
        self.0
    }
}

impl Deref for Webhook {
    type Target = Event;
    fn deref(&self) -> &Event {
        &self.0
    }
}

impl DerefMut for Webhook {
    fn deref_mut(&mut self) -> &mut Event {
        &mut self.0
    }
}

impl FromRequest for Webhook {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (request, payload) = (request.clone(), payload.take());
        Box::pin(async move {
            let Some(receiver) = registered_receiver(&request) else {
                tracing::error!("{MISSING_RECEIVER}");
                let status = StatusCode::INTERNAL_SERVER_ERROR;
                return Err(InternalError::new(MISSING_RECEIVER, status).into());
            };
            match extract(&receiver, &request, payload).await {
                Ok(event) => Ok(Webhook(event)),
                Err(unhandled) => Err(WebhookUnhandled(unhandled).into()),
            }
        })
    }
}

/// The core's [`Reply`] as an actix-web [`Responder`]: `200 ok`, or a quick reply with its
/// headers (a non-ASCII `x-bot-name` included) and JSON body, byte for byte.
///
/// The delivery is counted (`replied` or `acknowledged`) when the response is built, as the
/// core counts its own handlers' answers ([`channeltalk_webhook::adapter::answer`]).
///
/// ```
/// use channeltalk_webhook::QuickReply;
/// use channeltalk_webhook_actix::WebhookReply;
///
/// let reply: WebhookReply = QuickReply::new().bot_name(channeltalk_webhook::BotName::from_static("상담봇")).text("안녕하세요").into();
/// let nothing: WebhookReply = ().into();
/// # let _ = (reply, nothing);
/// # Ok::<(), channeltalk_webhook::BotNameError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebhookReply(pub Reply);

channeltalk_webhook::adapter::reply_conversions!(WebhookReply);

impl Responder for WebhookReply {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        to_actix(answer(self.0))
    }
}

/// A delivery the core answered without your handler ([`Unhandled`]: refused, or skipped and
/// acknowledged) as an actix-web error: its status, headers and body are the core's.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct WebhookUnhandled(#[from] pub Unhandled);

impl ResponseError for WebhookUnhandled {
    fn status_code(&self) -> StatusCode {
        to_actix_status(self.0.status())
    }

    fn error_response(&self) -> HttpResponse {
        to_actix(self.0.to_response())
    }
}

/// A [`Resource`] at `path` that answers every request through the core and `handler`
/// (method, token, size, parsing, policy, a panicking handler caught as 500): a method other
/// than `POST` gets the core's 405 (`Allow: POST`). It carries its own `receiver`: no app data
/// is needed.
///
/// ```
/// use actix_web::App;
/// use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken, sync_handler};
///
/// let receiver = Receiver::new(WebhookToken::new("s3cr3t")?);
/// let app = App::new().service(channeltalk_webhook_actix::resource(
///     "/webhook",
///     receiver,
///     sync_handler(|event: Event| event.message().map(|_| QuickReply::new().text("got it"))),
/// ));
/// # let _ = app;
/// # Ok::<(), channeltalk_webhook::TokenConfigError>(())
/// ```
pub fn resource<H: channeltalk_webhook::Handler>(
    path: &str,
    receiver: Receiver,
    handler: H,
) -> Resource {
    // One shared pair: one reference count touched per request.
    let shared = Arc::new((receiver, handler));
    let deliver = move |request: HttpRequest, payload: web::Payload| {
        let shared = Arc::clone(&shared);
        async move {
            let (receiver, handler) = &*shared;
            let response = match extract(receiver, &request, payload).await {
                Ok(event) => receiver.call(handler, event).await,
                Err(unhandled) => unhandled.into_response(),
            };
            to_actix(response)
        }
    };
    web::resource(path).to(deliver)
}

/// The receiver in the app data, plain or as `web::Data`.
fn registered_receiver(request: &HttpRequest) -> Option<Receiver> {
    let plain = request.app_data::<Receiver>().cloned();
    plain.or_else(|| {
        let data = request.app_data::<web::Data<Receiver>>()?;
        Some(data.get_ref().clone())
    })
}

/// The core's extractor way in, with actix-web's payload stream wrapped as an `http_body::Body`.
async fn extract<S>(
    receiver: &Receiver,
    request: &HttpRequest,
    payload: S,
) -> Result<Event, Unhandled>
where
    S: futures_util::Stream<Item = Result<Bytes, actix_web::error::PayloadError>>,
{
    let length = request
        .headers()
        .get(CONTENT_LENGTH)
        .map(HeaderValue::as_bytes);
    let body = StreamBody::new(payload.map(|chunk| chunk.map(http_body::Frame::data)));
    let (method, query) = (request.method().as_str(), request.query_string());
    receiver
        .extract(method, Some(query), declared_length(length), body)
        .await
}

/// The core's response as actix-web's: status, every header as bytes, body.
fn to_actix(response: http::Response<Bytes>) -> HttpResponse {
    let (head, body) = response.into_parts();
    let mut translated = HttpResponse::with_body(to_actix_status(head.status), body);
    let headers = translated.headers_mut();
    for (name, value) in &head.headers {
        // `http` 0.2 and 1 accept the same header bytes, so neither conversion fails.
        match (to_actix_name(name), to_actix_value(value)) {
            (Some(name), Some(value)) => headers.append(name, value),
            _ => tracing::error!(header = %name, "header not representable in actix-web: dropped"),
        }
    }
    translated.map_into_boxed_body()
}

/// A header name in actix-web's `http` 0.2: one of the core's own names, else parsed from its
/// bytes.
fn to_actix_name(name: &http::HeaderName) -> Option<HeaderName> {
    let known = KNOWN.names.iter().find(|(core, _)| core == name);
    known
        .map(|(_, actix)| actix.clone())
        .or_else(|| HeaderName::from_bytes(name.as_str().as_bytes()).ok())
}

/// A header value in actix-web's `http` 0.2: one of the core's fixed values, else copied.
fn to_actix_value(value: &http::HeaderValue) -> Option<HeaderValue> {
    let known = KNOWN.values.iter().find(|(core, _)| core == value);
    known
        .map(|(_, actix)| actix.clone())
        .or_else(|| HeaderValue::from_bytes(value.as_bytes()).ok())
}

/// The core's response header names and fixed values in actix-web's types, converted once:
/// no parsing and no copy per response.
struct Known {
    names: Vec<(http::HeaderName, HeaderName)>,
    values: Vec<(http::HeaderValue, HeaderValue)>,
}

static KNOWN: LazyLock<Known> = LazyLock::new(|| Known {
    names: RESPONSE_HEADER_NAMES
        .into_iter()
        .filter_map(|core| {
            Some((
                core.clone(),
                HeaderName::from_bytes(core.as_str().as_bytes()).ok()?,
            ))
        })
        .collect(),
    values: RESPONSE_HEADER_VALUES
        .into_iter()
        .filter_map(|core| Some((core.clone(), HeaderValue::from_bytes(core.as_bytes()).ok()?)))
        .collect(),
});

fn to_actix_status(status: http::StatusCode) -> StatusCode {
    // Both crates accept exactly 100..=999.
    StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use channeltalk_webhook::QuickReply;
    use channeltalk_webhook::adapter::{Rejection, Skipped, TokenError};

    /// Status and headers, sorted (actix-web's header map has no order across names).
    fn head<'a>(
        status: u16,
        headers: impl Iterator<Item = (&'a str, &'a [u8])>,
    ) -> (u16, Vec<(String, Vec<u8>)>) {
        let mut headers: Vec<_> = headers.map(|(n, v)| (n.to_owned(), v.to_vec())).collect();
        headers.sort();
        (status, headers)
    }

    fn bytes_of(response: &HttpResponse) -> (u16, Vec<(String, Vec<u8>)>) {
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()));
        head(response.status().as_u16(), headers)
    }

    fn core_bytes(response: &http::Response<Bytes>) -> (u16, Vec<(String, Vec<u8>)>) {
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()));
        head(response.status().as_u16(), headers)
    }

    async fn body_of(response: HttpResponse) -> Bytes {
        actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap_or_default()
    }

    #[actix_web::test]
    async fn translates_a_quick_reply_byte_for_byte() {
        let core = QuickReply::new()
            .bot_name(channeltalk_webhook::BotName::from_static("상담봇 🤖"))
            .text("안녕")
            .into_response();
        let expected = (core_bytes(&core), core.body().clone());
        let translated = WebhookReply::from(
            QuickReply::new()
                .bot_name(channeltalk_webhook::BotName::from_static("상담봇 🤖"))
                .text("안녕"),
        )
        .respond_to(&actix_web::test::TestRequest::default().to_http_request());
        let head = bytes_of(&translated);
        assert_eq!((head, body_of(translated).await), expected);
        assert!(
            expected
                .0
                .1
                .iter()
                .any(|(n, v)| n == "x-bot-name" && v == "상담봇 🤖".as_bytes())
        );
    }

    /// Every rejection, its `&self` answer against the core's `into_response`.
    fn rejections() -> Vec<fn() -> Unhandled> {
        vec![
            || Rejection::MethodNotAllowed.into(),
            || Rejection::from(TokenError::Missing).into(),
            || Rejection::from(TokenError::Mismatch).into(),
            || Rejection::from(TokenError::Repeated).into(),
            || Rejection::PayloadTooLarge { limit: 1024 }.into(),
            || Rejection::unreadable("connection reset").into(),
            || Skipped::BotMessage.into(),
            || Skipped::Duplicate.into(),
            || Rejection::HandlerPanicked.into(),
            || Event::parse("[1]").unwrap_err().into(),
            || Event::parse("{").unwrap_err().into(),
            || {
                let invalid_utf8 = Bytes::from_static(b"{\"a\":\"\xff\"}");
                Event::parse(invalid_utf8).unwrap_err().into()
            },
        ]
    }

    #[test]
    fn your_own_handlers_replies_are_counted_as_the_cores_are() {
        let request = actix_web::test::TestRequest::default().to_http_request();
        channeltalk_webhook_conformance::assert_replies_counted(|reply| {
            drop(WebhookReply(reply).respond_to(&request));
        });
    }

    /// The core lists every header its responses use (its own test); here each of them
    /// converts, to the same bytes.
    #[test]
    fn every_header_the_core_lists_is_converted_once_to_the_same_bytes() {
        assert_eq!(KNOWN.names.len(), RESPONSE_HEADER_NAMES.len());
        assert_eq!(KNOWN.values.len(), RESPONSE_HEADER_VALUES.len());
        for (core, actix) in &KNOWN.names {
            assert_eq!(core.as_str(), actix.as_str());
        }
        for (core, actix) in &KNOWN.values {
            assert_eq!(core.as_bytes(), actix.as_bytes());
        }
    }

    #[actix_web::test]
    async fn a_borrowed_rejection_answers_exactly_what_the_core_answers() {
        for make in rejections() {
            let core = make().into_response();
            let expected = (core_bytes(&core), core.body().clone());
            let error = WebhookUnhandled(make());
            assert_eq!(error.status_code().as_u16(), expected.0.0, "{error}");
            let translated = error.error_response();
            let head = bytes_of(&translated);
            assert_eq!((head, body_of(translated).await), expected, "{error}");
        }
    }
}
