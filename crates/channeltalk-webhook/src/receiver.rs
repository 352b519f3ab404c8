//! [`Receiver`]: the whole handling of a delivery, framework-free.
//!
//! A request flows `token → size limit → parse → policy → your handler → reply`. Adapters
//! call these steps in order and only translate types; the bare [`Receiver::handle`] runs them
//! all over `http` types.

use std::sync::Arc;

use std::pin::pin;

use bytes::{Buf, Bytes};
use http::header::CONTENT_LENGTH;
use http::request::Parts;
use http::{Request, Response};
use http_body::Body;

use crate::body::{BodyCollector, DEFAULT_BODY_LIMIT, declared_length};
use crate::dedup::DeliveryGuard;
use crate::event::Event;
use crate::handler::{Handler, call_guarded};
use crate::rejection::{IgnoreReason, Rejection, require_post};
use crate::token::WebhookToken;

/// Which genuine deliveries reach your handler.
///
/// ```
/// use channeltalk_webhook::Policy;
///
/// let policy = Policy::default();               // bot messages are skipped
/// assert!(policy.ignores_bot_messages());
/// let everything = Policy::default().ignore_bot_messages(false);
/// assert!(!everything.ignores_bot_messages());
/// ```
#[derive(Clone, Debug)]
pub struct Policy {
    ignore_bot_messages: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            ignore_bot_messages: true,
        }
    }
}

impl Policy {
    /// Whether messages written by bots are acknowledged without calling the handler
    /// (default: yes, so your quick replies, which come back as bot messages, never loop).
    pub fn ignore_bot_messages(mut self, ignore: bool) -> Self {
        self.ignore_bot_messages = ignore;
        self
    }

    /// See [`Policy::ignore_bot_messages`].
    pub fn ignores_bot_messages(&self) -> bool {
        self.ignore_bot_messages
    }
}

/// Receives Channel webhook deliveries: checks the token and the size, parses, applies the
/// policy and calls your handler. Cheap to clone (shared inside).
///
/// ```
/// use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
/// use http::{Request, StatusCode};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let receiver = Receiver::new(WebhookToken::new("s3cr3t")?);
///
/// let request = Request::post("/webhook?token=s3cr3t").body(r#"{"event":"push","type":"message",
///     "entity":{"id":"m1","channelId":"1","chatType":"userChat","chatId":"c1","chatKey":"userChat-c1",
///     "personType":"user","personId":"u1","createdAt":1,"plainText":"hi"}}"#.into())?;
/// let response = receiver
///     .handle(request, |event: Event| async move {
///         let text = event.message()?.text()?.into_owned();
///         Some(QuickReply::new().text(format!("echo: {text}")))
///     })
///     .await;
/// assert_eq!(response.status(), StatusCode::OK);
/// assert_eq!(response.headers()["x-quick-reply"], "true");
/// # Ok(()) }
/// # futures_executor_block_on(run()).unwrap();
/// # fn futures_executor_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Receiver {
    inner: Arc<Inner>,
}

#[derive(Clone, Debug)]
struct Inner {
    token: WebhookToken,
    body_limit: usize,
    policy: Policy,
    dedup: Option<DeliveryGuard>,
}

impl Receiver {
    /// A receiver for the webhook with this token, a 1 MiB body limit and the default policy.
    pub fn new(token: WebhookToken) -> Self {
        Receiver {
            inner: Arc::new(Inner {
                token,
                body_limit: DEFAULT_BODY_LIMIT,
                policy: Policy::default(),
                dedup: None,
            }),
        }
    }

    /// Sets the largest body accepted, in bytes (larger ones get 413).
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        Arc::make_mut(&mut self.inner).body_limit = bytes;
        self
    }

    /// Sets the policy.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        Arc::make_mut(&mut self.inner).policy = policy;
        self
    }

    /// Acknowledges repeated deliveries of a message (same message id) without calling the
    /// handler again; see [`DeliveryGuard`].
    pub fn with_deduplication(mut self, guard: DeliveryGuard) -> Self {
        Arc::make_mut(&mut self.inner).dedup = Some(guard);
        self
    }

    /// The body limit in bytes.
    pub fn body_limit(&self) -> usize {
        self.inner.body_limit
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// Step 1 and 2: checks the query's token, then the declared `Content-Length`, and returns
    /// a collector for the body that stops at the limit. Call it before reading the body.
    pub fn begin(
        &self,
        query: Option<&str>,
        content_length: Option<u64>,
    ) -> Result<BodyCollector, Rejection> {
        self.inner.token.verify_query(query).inspect_err(|error| {
            tracing::debug!(%error, "refused a webhook request: bad token");
        })?;
        BodyCollector::new(self.inner.body_limit, content_length)
    }

    /// Steps 1 and 2 for an `http` request head: the query's token, then its `Content-Length`.
    pub fn begin_head(&self, head: &Parts) -> Result<BodyCollector, Rejection> {
        self.begin(head.uri.query(), content_length(&head.headers))
    }

    /// Steps 1–3 over an `http` request head and a streaming body (hyper's `Incoming`, axum's
    /// `Body`, …): the token is checked before the body is touched, and the body is read frame
    /// by frame, refused (413) as soon as it passes the limit.
    pub async fn read<B>(&self, head: &Parts, body: B) -> Result<Event, Rejection>
    where
        B: Body,
        B::Error: std::fmt::Display,
    {
        let mut collector = self.begin_head(head)?;
        let mut body = pin!(body);
        while let Some(frame) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
            let frame = frame.map_err(Rejection::unreadable)?;
            if let Ok(mut data) = frame.into_data() {
                collector.push(data.copy_to_bytes(data.remaining()))?;
            }
        }
        self.parse(collector.finish())
    }

    /// Everything over an `http` request with a streaming body: `POST` only, then steps 1–4.
    pub async fn serve<B, H>(&self, request: Request<B>, handler: &H) -> Response<Bytes>
    where
        B: Body,
        B::Error: std::fmt::Display,
        H: Handler + ?Sized,
    {
        if let Err(rejection) = require_post(request.method().as_str()) {
            return rejection.into_response();
        }
        let (head, body) = request.into_parts();
        match self.read(&head, body).await {
            Ok(event) => self.call(handler, event).await,
            Err(rejection) => rejection.into_response(),
        }
    }

    /// Step 3: parses the collected body and applies the policy. `Err` carries the answer for
    /// bodies that are not events (400) and for deliveries the policy skips (200).
    pub fn parse(&self, body: Bytes) -> Result<Event, Rejection> {
        if body.len() > self.inner.body_limit {
            return Err(Rejection::PayloadTooLarge {
                limit: self.inner.body_limit,
            });
        }
        let event = Event::parse(body).inspect_err(|error| {
            tracing::debug!(%error, "refused a webhook request: malformed body");
        })?;
        if let Some(reason) = self.skip_reason(&event) {
            tracing::debug!(%reason, "acknowledged a delivery without calling the handler");
            return Err(Rejection::Ignored(reason));
        }
        Ok(event)
    }

    /// Steps 1–3 over plain inputs: the raw query string and the whole body.
    pub fn receive(&self, query: Option<&str>, body: Bytes) -> Result<Event, Rejection> {
        let mut collector = self.begin(query, Some(body.len() as u64))?;
        collector.push(body)?;
        self.parse(collector.finish())
    }

    /// Step 4: runs the handler on an accepted event and builds the response (the quick reply,
    /// an acknowledgement, or 500 if the handler panicked).
    pub async fn call<H: Handler + ?Sized>(&self, handler: &H, event: Event) -> Response<Bytes> {
        match call_guarded(handler, event).await {
            Ok(reply) => reply.into_response(),
            Err(rejection) => rejection.into_response(),
        }
    }

    /// Everything, over `http` types: `POST` only (405 otherwise), then steps 1–4.
    pub async fn handle<H: Handler>(&self, request: Request<Bytes>, handler: H) -> Response<Bytes> {
        self.handle_with(request, &handler).await
    }

    /// [`Receiver::handle`] with a borrowed handler, for servers that share one handler.
    pub async fn handle_with<H: Handler + ?Sized>(
        &self,
        request: Request<Bytes>,
        handler: &H,
    ) -> Response<Bytes> {
        if let Err(rejection) = require_post(request.method().as_str()) {
            return rejection.into_response();
        }
        let query = request.uri().query();
        match self.receive(query, request.body().clone()) {
            Ok(event) => self.call(handler, event).await,
            Err(rejection) => rejection.into_response(),
        }
    }

    fn skip_reason(&self, event: &Event) -> Option<IgnoreReason> {
        if self.inner.policy.ignore_bot_messages && event.is_from_bot() {
            return Some(IgnoreReason::BotMessage);
        }
        let message = event.message()?;
        let guard = self.inner.dedup.as_ref()?;
        (!guard.first_delivery(&message.id)).then_some(IgnoreReason::Duplicate)
    }
}

/// The declared body length, when the header is a valid number.
fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    declared_length(headers.get(CONTENT_LENGTH).map(http::HeaderValue::as_bytes))
}
