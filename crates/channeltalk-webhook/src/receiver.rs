//! [`Receiver`]: the whole handling of a delivery, framework-free.
//!
//! A request flows `method → token → size limit → parse → policy → your handler → reply`.
//! The receiver offers three ways in, one per kind of caller; each runs the same steps.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;

use crate::adapter::content_length;
use crate::body::{BodyCollector, DEFAULT_BODY_LIMIT};
use crate::dedup::DeliveryGuard;
use crate::event::Event;
use crate::handler::{Handler, call_guarded};
use crate::rejection::{BodyError, Rejection, Skipped, Unhandled, require_post};
use crate::token::WebhookToken;

/// Which genuine deliveries reach your handler.
///
/// ```
/// use channeltalk_webhook::Policy;
///
/// let policy = Policy::default();               // bot messages are skipped
/// assert!(policy.ignore_bot_messages());
/// let everything = Policy::default().with_ignore_bot_messages(false);
/// assert!(!everything.ignore_bot_messages());
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
    /// Sets whether messages written by bots are acknowledged without calling the handler
    /// (default: yes, so your quick replies, which come back as bot messages, never loop).
    pub fn with_ignore_bot_messages(mut self, ignore: bool) -> Self {
        self.ignore_bot_messages = ignore;
        self
    }

    /// Whether messages written by bots are acknowledged without calling the handler; see
    /// [`Policy::with_ignore_bot_messages`].
    pub fn ignore_bot_messages(&self) -> bool {
        self.ignore_bot_messages
    }
}

/// Receives Channel webhook deliveries: checks the method, the token and the size, parses,
/// applies the policy and calls your handler. Cheap to clone (shared inside).
///
/// # Three ways in
///
/// | you have | call | then |
/// |---|---|---|
/// | an `http::Request` with any [`http_body::Body`] (hyper, tower, tests) | [`Receiver::handle`] | nothing: you get the response |
/// | a framework's method, query, `Content-Length` and body (an extractor, an adapter) | [`Receiver::extract`] | [`Receiver::call`] with the event |
/// | a server that hands you the body chunk by chunk | [`Receiver::begin`], [`BodyCollector::push`], [`Receiver::accept`] | [`Receiver::call`] with the event |
///
/// Each runs the same steps in the same order; statuses are listed in `docs/protocol.md`.
///
/// ```
/// use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
/// use http::{Request, StatusCode};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let receiver = Receiver::new(WebhookToken::new("s3cr3t")?);
///
/// async fn echo(event: Event) -> Option<QuickReply> {
///     let text = event.message()?.text()?.into_owned();
///     Some(QuickReply::new().text(format!("echo: {text}")))
/// }
///
/// let request = Request::post("/webhook?token=s3cr3t").body(r#"{"event":"push","type":"message",
///     "entity":{"id":"m1","channelId":"1","chatType":"userChat","chatId":"c1","chatKey":"userChat-c1",
///     "personType":"user","personId":"u1","createdAt":1,"plainText":"hi"}}"#.to_owned())?;
/// let response = receiver.handle(request, &echo).await;
/// assert_eq!(response.status(), StatusCode::OK);
/// assert_eq!(response.headers()["x-quick-reply"], "true");
/// # Ok(()) }
/// # channeltalk_webhook::testing::block_on(run()).unwrap();
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

    /// The webhook token (for the test kit, which delivers with it).
    #[cfg(feature = "testing")]
    pub(crate) fn token(&self) -> &WebhookToken {
        &self.inner.token
    }

    /// **Everything**, over an `http` request with a streaming body (hyper's `Incoming`,
    /// axum's `Body`, a `String` in tests): `POST` only, the token, the size limit, parsing,
    /// the policy, then `handler` (a panic in it answers 500 for this request only).
    ///
    /// Use it when you have `http` types; for a framework's own types see
    /// [`Receiver::extract`], for a server with its own body handling [`Receiver::begin`].
    pub async fn handle<B, H>(&self, request: Request<B>, handler: &H) -> Response<Bytes>
    where
        B: Body,
        B::Error: Into<BodyError>,
        H: Handler + ?Sized,
    {
        let (head, body) = request.into_parts();
        let length = content_length(&head.headers);
        let extracted = self
            .extract(head.method.as_str(), head.uri.query(), length, body)
            .await;
        match extracted {
            Ok(event) => self.call(handler, event).await,
            Err(unhandled) => unhandled.into_response(),
        }
    }

    /// **The extractor way in**: everything but the handler, from scalars a framework
    /// exposes (its method name, raw query string and declared `Content-Length`) and its body
    /// as any [`http_body::Body`]. The method, the token and the declared length are checked
    /// before the body is touched. Answer with [`Receiver::call`] on `Ok`, with
    /// [`Unhandled::into_response`] on `Err`.
    ///
    /// For `http` types [`Receiver::handle`] does all of it; for a server that hands you the
    /// body in chunks, see [`Receiver::begin`].
    pub async fn extract<B>(
        &self,
        method: &str,
        query: Option<&str>,
        content_length: Option<u64>,
        body: B,
    ) -> Result<Event, Unhandled>
    where
        B: Body,
        B::Error: Into<BodyError>,
    {
        let collector = self.begin(method, query, content_length)?;
        let body = collector.read(body).await?;
        self.accept(body)
    }

    /// **Step by step**, first step: checks the method (`POST` only), the query's token and
    /// the declared `Content-Length`, and returns a collector for the body that stops at the
    /// limit. Push the body's chunks into it, then give the result to [`Receiver::accept`].
    ///
    /// For a body your framework exposes as a stream, [`Receiver::extract`] does these steps
    /// for you.
    ///
    /// ```
    /// use channeltalk_webhook::{Receiver, WebhookToken};
    ///
    /// let receiver = Receiver::new(WebhookToken::new("t")?);
    /// let mut body = receiver.begin("POST", Some("token=t"), Some(2))?;
    /// body.push("{}".into())?;
    /// let event = receiver.accept(body.finish())?;
    /// # let _ = event;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn begin(
        &self,
        method: &str,
        query: Option<&str>,
        content_length: Option<u64>,
    ) -> Result<BodyCollector, Rejection> {
        require_post(method)?;
        self.inner.token.verify_query(query).inspect_err(|error| {
            tracing::debug!(%error, "refused a webhook request: bad token");
        })?;
        BodyCollector::new(self.inner.body_limit, content_length)
    }

    /// **Step by step**, last step: parses the collected body and applies the policy,
    /// recording the message id when deduplication is on (so call it once per delivery).
    /// `Err` carries the answer for bodies that are not events (400) and for deliveries the
    /// policy skips (200).
    pub fn accept(&self, body: Bytes) -> Result<Event, Unhandled> {
        if body.len() > self.inner.body_limit {
            return Err(Rejection::PayloadTooLarge {
                limit: self.inner.body_limit,
            }
            .into());
        }
        let event = Event::parse(body).inspect_err(|error| {
            tracing::debug!(%error, "refused a webhook request: malformed body");
        })?;
        if let Some(reason) = self.skip_reason(&event) {
            tracing::debug!(%reason, "acknowledged a delivery without calling the handler");
            return Err(reason.into());
        }
        Ok(event)
    }

    /// Runs the handler on an accepted event and builds the response (the quick reply, an
    /// acknowledgement, or 500 if the handler panicked): the end of [`Receiver::extract`]
    /// and of the step-by-step way.
    pub async fn call<H: Handler + ?Sized>(&self, handler: &H, event: Event) -> Response<Bytes> {
        match call_guarded(handler, event).await {
            Ok(reply) => reply.into_response(),
            Err(rejection) => rejection.into_response(),
        }
    }

    fn skip_reason(&self, event: &Event) -> Option<Skipped> {
        if self.inner.policy.ignore_bot_messages && event.is_from_bot() {
            return Some(Skipped::BotMessage);
        }
        let message = event.message()?;
        let guard = self.inner.dedup.as_ref()?;
        (!guard.record(&message.id)).then_some(Skipped::Duplicate)
    }
}
