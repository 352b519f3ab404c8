//! [`Receiver`]: the whole handling of a delivery, framework-free.
//!
//! A request flows `method → token → size limit → parse → policy → repeat check → your
//! handler → reply`. The receiver offers three ways in, one per kind of caller; each runs the
//! same steps, and each step that decides how a delivery ends tells it through
//! [`crate::delivery`] (the deliveries counter and the delivery's span).

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use tracing::Instrument;

use crate::adapter::content_length;
use crate::body::{BodyCollector, DEFAULT_BODY_LIMIT};
use crate::delivery::{self, Outcome};
use crate::event::Event;
use crate::handler::{Handler, call_guarded};
use crate::rejection::{BodyError, Rejection, Skipped, Unhandled, require_post};
use crate::store::{FailOpen, MessageIdStore, Recorded};
use crate::token::WebhookToken;

/// Which genuine deliveries reach your handler.
///
/// ```
/// use channeltalk_webhook::Policy;
///
/// let policy = Policy::default();               // bot messages are skipped
/// assert!(policy.ignore_bot_messages);
/// let everything = Policy::default().ignore_bot_messages(false);
/// assert!(!everything.ignore_bot_messages);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Policy {
    /// Whether messages written by bots are acknowledged without calling the handler.
    pub ignore_bot_messages: bool,
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
    pub fn ignore_bot_messages(mut self, ignore: bool) -> Self {
        self.ignore_bot_messages = ignore;
        self
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
///     let text = event.text()?;
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
    dedup: Option<FailOpen>,
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
    pub fn body_limit(mut self, bytes: usize) -> Self {
        Arc::make_mut(&mut self.inner).body_limit = bytes;
        self
    }

    /// Sets the policy.
    pub fn policy(mut self, policy: Policy) -> Self {
        Arc::make_mut(&mut self.inner).policy = policy;
        self
    }

    /// Acknowledges repeated deliveries of a message (same message id) without calling the
    /// handler again, remembering handled ids in `store`: [`MemoryStore::default()`] for one
    /// process, a shared store (the `channeltalk-webhook-redis` crate's) for replicas.
    ///
    /// Off unless set: a receiver has no hidden state, and tests may deliver one sample many
    /// times. The id of a message is recorded after the token, size, parsing and bot checks
    /// and before the handler; if the handler panics it is forgotten again, so Channel's next
    /// delivery of it is handled. The store is wrapped in [`FailOpen`]: when it cannot
    /// answer, the delivery is handled as a first one (never a 4xx/5xx because of the store).
    ///
    /// ```
    /// use channeltalk_webhook::testing::{SampleEvent, deliver};
    /// use channeltalk_webhook::{Event, MemoryStore, QuickReply, Receiver, WebhookToken};
    ///
    /// let receiver = Receiver::new(WebhookToken::new("t")?).deduplication(MemoryStore::default());
    /// let echo = async |event: Event| event.message().map(|_| QuickReply::new().text("hi!"));
    /// let hello = SampleEvent::user_message("hello");
    /// assert_eq!(deliver(&receiver, &echo, &hello).texts(), ["hi!"]);
    /// assert!(deliver(&receiver, &echo, &hello).texts().is_empty()); // a repeat: 200 `ok`
    /// # Ok::<(), channeltalk_webhook::TokenConfigError>(())
    /// ```
    ///
    /// [`MemoryStore::default()`]: crate::MemoryStore
    pub fn deduplication(mut self, store: impl MessageIdStore + 'static) -> Self {
        Arc::make_mut(&mut self.inner).dedup = Some(FailOpen::new(store));
        self
    }

    /// The webhook token (for the test kit, which delivers with it).
    #[cfg(feature = "testing")]
    pub(crate) fn token(&self) -> &WebhookToken {
        &self.inner.token
    }

    /// **Everything**, over an `http` request with a streaming body (hyper's `Incoming`,
    /// axum's `Body`, a `String` in tests): `POST` only, the token, the size limit, parsing,
    /// the policy, the repeat check, then `handler` (a panic in it answers 500 for this
    /// request only).
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
        self.accept(body).await
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
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let receiver = Receiver::new(WebhookToken::new("t")?);
    /// let mut body = receiver.begin("POST", Some("token=t"), Some(2))?;
    /// body.push("{}".into())?;
    /// let event = receiver.accept(body.finish()).await?;
    /// # let _ = event;
    /// # Ok(()) }
    /// # channeltalk_webhook::testing::block_on(run()).unwrap();
    /// ```
    pub fn begin(
        &self,
        method: &str,
        query: Option<&str>,
        content_length: Option<u64>,
    ) -> Result<BodyCollector, Rejection> {
        self.check_head(method, query, content_length)
            .inspect_err(|rejection| delivery::unhandled(rejection.outcome(), rejection, None))
    }

    fn check_head(
        &self,
        method: &str,
        query: Option<&str>,
        content_length: Option<u64>,
    ) -> Result<BodyCollector, Rejection> {
        require_post(method)?;
        self.inner.token.verify_query(query)?;
        BodyCollector::new(self.inner.body_limit, content_length)
    }

    /// **Step by step**, last step: parses the collected body, applies the policy and, when
    /// deduplication is on, records the message id in the store (so call it once per
    /// delivery). `Err` carries the answer for bodies that are not events (400) and for
    /// deliveries acknowledged without the handler (200: a bot's message, a repeat).
    pub async fn accept(&self, body: Bytes) -> Result<Event, Unhandled> {
        let event = self.parse(body).inspect_err(|unhandled| {
            delivery::unhandled(unhandled.outcome(), unhandled, None);
        })?;
        if self.inner.policy.ignore_bot_messages && event.is_from_bot() {
            return Err(skip(Skipped::BotMessage, &event));
        }
        if let (Some(store), Some(id)) = (&self.inner.dedup, event.message_id()) {
            if store.record(id).await == Recorded::Repeat {
                return Err(skip(Skipped::Duplicate, &event));
            }
        }
        Ok(event)
    }

    fn parse(&self, body: Bytes) -> Result<Event, Unhandled> {
        if body.len() > self.inner.body_limit {
            let limit = self.inner.body_limit;
            return Err(Rejection::PayloadTooLarge { limit }.into());
        }
        Ok(Event::parse(body)?)
    }

    /// Runs the handler on an accepted event and builds the response (the quick reply, an
    /// acknowledgement, or 500 if the handler panicked): the end of [`Receiver::extract`]
    /// and of the step-by-step way.
    ///
    /// The handler runs inside the delivery's span (`webhook_delivery`, with the message id
    /// and chat type), its run time is recorded in
    /// `channeltalk_webhook_handler_duration_seconds`, and the outcome is counted. If it
    /// panics, a message id recorded for deduplication is forgotten.
    pub async fn call<H: Handler + ?Sized>(&self, handler: &H, event: Event) -> Response<Bytes> {
        let span = delivery::span(Some(&event));
        // Kept only when there is something to forget should the handler panic.
        let recorded = self.inner.dedup.as_ref().and_then(|store| {
            let id = event.message_id()?;
            Some((store, id.to_owned()))
        });
        let started = Instant::now();
        let answer = call_guarded(handler, event, &span).await;
        metrics::histogram!("channeltalk_webhook_handler_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        match answer {
            Ok(reply) => {
                delivery::conclude(&span, reply.outcome());
                reply.into_response()
            }
            Err(rejection) => {
                delivery::conclude(&span, Outcome::HandlerPanicked);
                if let Some((store, id)) = recorded {
                    store.forget(&id).instrument(span).await;
                }
                rejection.into_response()
            }
        }
    }
}

/// Concludes a delivery acknowledged without the handler, and gives its answer.
fn skip(skipped: Skipped, event: &Event) -> Unhandled {
    delivery::unhandled(skipped.outcome(), &skipped, Some(event));
    skipped.into()
}
