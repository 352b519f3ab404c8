#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! [axum] 0.8 adapter for [`channeltalk_webhook`]: receive Channel Talk (channel.io) webhooks
//! in an axum app.
//!
//! Every rule (the token check, the body limit, parsing, which deliveries reach your handler,
//! every status code) lives in the core crate; this crate only moves axum's request into the
//! core and the core's answer back into an axum response. Three pieces:
//!
//! - [`router`]: a `Router` with your core [`Handler`] mounted at a path. Every request runs the
//!   whole pipeline ([`Receiver::handle`]): other methods than `POST` get the core's 405, and a
//!   panicking handler gets a 500 for that request only. The simplest way in.
//! - [`Webhook`]: an extractor for your own axum handlers. It takes the [`Receiver`] from the
//!   router's state (`Receiver: FromRef<S>`), checks the token before the body is touched and
//!   enforces the body limit while the body streams in. It fails with a [`WebhookUnhandled`],
//!   which answers with the core's status and body. If your state cannot provide the
//!   receiver, add it as an [`Extension`] layer and use [`WebhookFromExtension`] instead.
//! - [`WebhookReply`]: the core's [`Reply`] (a [`QuickReply`](channeltalk_webhook::QuickReply) or a plain `ok`) as an axum
//!   response, header bytes untouched (bot names in Korean arrive as sent).
//!
//! ```no_run
//! use axum::Router;
//! use axum::extract::FromRef;
//! use axum::routing::{any, get};
//! use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
//! use channeltalk_webhook_axum::{Webhook, WebhookReply};
//!
//! /// A core handler: echo users' messages back.
//! async fn echo(event: Event) -> Option<QuickReply> {
//!     let message = event.message()?;
//!     let text = message.text()?;
//!     Some(QuickReply::new().bot_name(channeltalk_webhook::BotName::from_static("상담봇")).text(format!("echo: {text}")))
//! }
//!
//! /// Your app's state; the `Webhook` extractor finds the receiver in it through `FromRef`.
//! #[derive(Clone)]
//! struct AppState {
//!     receiver: Receiver,
//! }
//!
//! impl FromRef<AppState> for Receiver {
//!     fn from_ref(state: &AppState) -> Receiver {
//!         state.receiver.clone()
//!     }
//! }
//!
//! /// An ordinary axum handler: it runs only for genuine, well-formed deliveries.
//! async fn support(Webhook(event): Webhook) -> WebhookReply {
//!     WebhookReply::from(echo(event).await)
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let receiver = Receiver::new(WebhookToken::new(std::env::var("CHANNEL_WEBHOOK_TOKEN")?)?);
//!     let app = Router::new()
//!         // The whole pipeline at /webhook: 405 for other methods, 500 if `echo` panics.
//!         .merge(channeltalk_webhook_axum::router("/webhook", receiver.clone(), echo))
//!         // Or the extractor in your own handler (it answers other methods than POST with
//!         // the core's 405, like the router).
//!         .route("/support", any(support))
//!         .route("/health", get(|| async { "ok" }))
//!         .with_state(AppState { receiver });
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     axum::serve(listener, app).await?;
//!     Ok(())
//! }
//! ```
//!
//! # Panics in your handler
//!
//! [`router`] runs your handler through [`Receiver::call`], which turns a panic into a 500 for
//! that request. A plain axum handler using [`Webhook`] is run by axum: a panic there ends the
//! connection without an answer, which Channel counts as a failed delivery. Call
//! [`Receiver::call`] from it, or add a panic-catching layer, if that matters to you.
//!
//! # Versioning
//!
//! The SDK's crates are released together, with one version number. A new major version of
//! axum is supported in a new minor (0.x) release of this crate. What a request is
//! answered (statuses, bodies, headers) is decided by `channeltalk-webhook` and changes only
//! with it; this crate adds no rule of its own.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::ExtensionRejection;
use axum::extract::{Extension, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use channeltalk_webhook::adapter::content_length;
use channeltalk_webhook::adapter::{Unhandled, answer};
use channeltalk_webhook::{Event, Handler, Receiver, Reply};

/// Extracts the [`Event`] of a genuine, well-formed delivery, with the [`Receiver`] taken
/// from the router's state (`Receiver: FromRef<S>`; a `Router<Receiver>` works as is).
///
/// The token is checked from the head before the body is read; the body is read as it streams
/// in and refused (413) as soon as it passes the receiver's limit; then it is parsed and the
/// receiver's policy applied. A delivery the core answers without your handler is a
/// [`WebhookUnhandled`] carrying the core's answer: a refusal, or `200 ok` for bot messages and
/// repeated deliveries.
///
/// The method is checked by the core, as the token is: route it with `post(..)` or `any(..)`;
/// with `any`, other methods get the core's 405.
///
/// ```
/// use axum::Router;
/// use axum::routing::post;
/// use channeltalk_webhook::{Receiver, WebhookToken};
/// use channeltalk_webhook_axum::{Webhook, WebhookReply};
///
/// async fn hook(Webhook(event): Webhook) -> WebhookReply {
///     let _ = event;
///     WebhookReply::from(())
/// }
///
/// let receiver = Receiver::new(WebhookToken::new("s3cr3t")?);
/// let app: Router = Router::new().route("/webhook", post(hook)).with_state(receiver);
/// # let _ = app;
/// # Ok::<(), channeltalk_webhook::TokenConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Webhook(pub Event);

impl<S> FromRequest<S> for Webhook
where
    S: Send + Sync,
    Receiver: FromRef<S>,
{
    type Rejection = WebhookUnhandled;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let receiver = Receiver::from_ref(state);
        let (head, body) = request.into_parts();
        Ok(Webhook(extract(&receiver, &head, body).await?))
    }
}

/// [`Webhook`] for apps whose state cannot provide the receiver: the [`Receiver`] is taken from
/// a request extension, added with `.layer(Extension(receiver))`.
///
/// Without that layer the extraction fails with axum's own "missing extension" 500 (a
/// mistake in the app, not in the request).
///
/// ```
/// use axum::routing::post;
/// use axum::{Extension, Router};
/// use channeltalk_webhook::{Event, Receiver, WebhookToken};
/// use channeltalk_webhook_axum::{WebhookFromExtension, WebhookReply};
///
/// async fn hook(WebhookFromExtension(event): WebhookFromExtension) -> WebhookReply {
///     let _: Event = event;
///     WebhookReply::from(())
/// }
///
/// let receiver = Receiver::new(WebhookToken::new("s3cr3t")?);
/// let app: Router = Router::new()
///     .route("/webhook", post(hook))
///     .layer(Extension(receiver));
/// # let _ = app;
/// # Ok::<(), channeltalk_webhook::TokenConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct WebhookFromExtension(pub Event);

impl<S> FromRequest<S> for WebhookFromExtension
where
    S: Send + Sync,
{
    type Rejection = WebhookFromExtensionRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut head, body) = request.into_parts();
        let Extension(receiver) =
            Extension::<Receiver>::from_request_parts(&mut head, state).await?;
        let event = extract(&receiver, &head, body).await?;
        Ok(WebhookFromExtension(event))
    }
}

/// The core's extractor way in, from the request head and axum's body.
async fn extract(receiver: &Receiver, head: &Parts, body: Body) -> Result<Event, WebhookUnhandled> {
    let length = content_length(&head.headers);
    let (method, query) = (head.method.as_str(), head.uri.query());
    Ok(receiver.extract(method, query, length, body).await?)
}

/// Why [`Webhook`] did not extract an event: the core's [`Unhandled`], answered with its status
/// and body (`200 ok` for deliveries the policy skips, so that your handler does not run but
/// Channel still counts the delivery).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct WebhookUnhandled(pub Unhandled);

impl From<Unhandled> for WebhookUnhandled {
    fn from(unhandled: Unhandled) -> Self {
        WebhookUnhandled(unhandled)
    }
}

impl IntoResponse for WebhookUnhandled {
    fn into_response(self) -> Response {
        self.0.into_response().map(Body::from)
    }
}

/// Why [`WebhookFromExtension`] did not extract an event.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookFromExtensionRejection {
    /// The app has no `Extension<Receiver>` layer: axum's own 500.
    #[error(transparent)]
    MissingReceiver(#[from] ExtensionRejection),
    /// The request was not a genuine, well-formed delivery: the core's answer.
    #[error(transparent)]
    Webhook(#[from] WebhookUnhandled),
}

impl IntoResponse for WebhookFromExtensionRejection {
    fn into_response(self) -> Response {
        match self {
            WebhookFromExtensionRejection::MissingReceiver(rejection) => rejection.into_response(),
            WebhookFromExtensionRejection::Webhook(rejection) => rejection.into_response(),
        }
    }
}

/// The core's [`Reply`] as an axum response: `200 ok`, or a quick reply (JSON body,
/// `x-quick-reply: true`, `x-bot-name` as raw UTF-8 bytes).
///
/// The delivery is counted (`replied` or `acknowledged`) when the response is built, as the
/// core counts its own handlers' answers ([`channeltalk_webhook::adapter::answer`]).
///
/// ```
/// use axum::response::IntoResponse;
/// use channeltalk_webhook::QuickReply;
/// use channeltalk_webhook_axum::WebhookReply;
///
/// let reply = QuickReply::new().bot_name(channeltalk_webhook::BotName::from_static("상담봇")).text("안녕하세요");
/// let response = WebhookReply::from(reply).into_response();
/// assert_eq!(response.headers()["x-quick-reply"], "true");
/// assert_eq!(response.headers()["x-bot-name"].as_bytes(), "상담봇".as_bytes());
/// # Ok::<(), channeltalk_webhook::BotNameError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebhookReply(pub Reply);

impl IntoResponse for WebhookReply {
    fn into_response(self) -> Response {
        answer(self.0).map(Body::from)
    }
}

channeltalk_webhook::adapter::reply_conversions!(WebhookReply);

/// A router with `handler` mounted at `path`: every request runs the whole core pipeline
/// ([`Receiver::handle`]: method, token, limit, parsing, policy, then your handler with panics
/// caught); a method other than `POST` gets the core's 405 (`Allow: POST`). Merge or nest it into your app; it
/// works with any state `S`.
///
/// ```
/// use axum::Router;
/// use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
///
/// let receiver = Receiver::new(WebhookToken::new("s3cr3t")?);
/// let app: Router = channeltalk_webhook_axum::router("/webhook", receiver, |event: Event| async move {
///     event.message().map(|_| QuickReply::new().text("got it"))
/// });
/// # let _ = app;
/// # Ok::<(), channeltalk_webhook::TokenConfigError>(())
/// ```
///
/// # Panics
///
/// Like [`Router::route`], if `path` is not a valid route (for example, it does not start
/// with `/`).
pub fn router<S, H>(path: &str, receiver: Receiver, handler: H) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    H: Handler,
{
    // One shared pair: one reference count touched per request.
    let shared = Arc::new((receiver, handler));
    Router::new().route(
        path,
        any(move |request: Request| {
            let shared = Arc::clone(&shared);
            async move {
                let (receiver, handler) = &*shared;
                receiver.handle(request, handler).await.map(Body::from)
            }
        }),
    )
}
