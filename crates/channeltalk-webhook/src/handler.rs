//! [`Handler`]: your code, called with each accepted [`Event`], returning a [`Reply`].
//!
//! Any `async` closure or function `Fn(Event) -> impl Future<Output = R>` with `R` one of `()`,
//! [`QuickReply`](crate::QuickReply), `Option<QuickReply>` or [`Reply`] is a handler; wrap a
//! plain function with [`sync_handler`], and give a handler shared state (a database pool, an
//! API client) with [`with_state`]. A panic in a handler is caught: that request gets a 500
//! and the server goes on.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::Poll;

use tracing::Span;

use crate::event::Event;
use crate::rejection::Rejection;
use crate::reply::Reply;

/// Turns an accepted event into a reply.
///
/// ```
/// use channeltalk_webhook::{Event, Handler, QuickReply};
///
/// async fn greet(event: Event) -> Option<QuickReply> {
///     let name = event.refers().user()?.name.clone()?;
///     Some(QuickReply::new().text(format!("Hello, {name}!")))
/// }
/// fn assert_handler(_: impl Handler) {}
/// assert_handler(greet);
/// ```
pub trait Handler: Send + Sync + 'static {
    /// Handles one event.
    fn call(&self, event: Event) -> impl Future<Output = Reply> + Send;
}

impl<F, Fut, R> Handler for F
where
    F: Fn(Event) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send,
    R: Into<Reply>,
{
    fn call(&self, event: Event) -> impl Future<Output = Reply> + Send {
        let future = self(event);
        async move { future.await.into() }
    }
}

/// A [`Handler`] made from a synchronous function.
#[derive(Clone, Debug)]
pub struct SyncHandler<F>(F);

/// Wraps a synchronous function as a [`Handler`].
///
/// ```
/// use channeltalk_webhook::{sync_handler, Event, QuickReply};
///
/// let handler = sync_handler(|event: Event| {
///     event.message().map(|_| QuickReply::new().text("got it"))
/// });
/// # let _ = handler;
/// ```
pub fn sync_handler<F, R>(function: F) -> SyncHandler<F>
where
    F: Fn(Event) -> R + Send + Sync + 'static,
    R: Into<Reply>,
{
    SyncHandler(function)
}

impl<F, R> Handler for SyncHandler<F>
where
    F: Fn(Event) -> R + Send + Sync + 'static,
    R: Into<Reply>,
{
    fn call(&self, event: Event) -> impl Future<Output = Reply> + Send {
        std::future::ready((self.0)(event).into())
    }
}

/// A [`Handler`] that gets a clone of `state` with each event: see [`with_state`].
#[derive(Clone, Debug)]
pub struct WithState<S, F> {
    state: S,
    function: F,
}

/// A handler with shared state: `function(state.clone(), event)` for each event, the way
/// axum's `State` works. Put what the handler shares in `state` (an `Arc<…>`, a pool, a
/// client; anything `Clone`); the future owns its clone, so `async fn`s and `async` closures
/// that use it need no `Arc` juggling.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use channeltalk_webhook::testing::{SampleEvent, deliver};
/// use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken, with_state};
///
/// struct Counter(AtomicUsize);
///
/// async fn count(counter: Arc<Counter>, event: Event) -> Option<QuickReply> {
///     event.message()?;
///     let seen = counter.0.fetch_add(1, Ordering::SeqCst) + 1;
///     Some(QuickReply::new().text(format!("message #{seen}")))
/// }
///
/// let counter = Arc::new(Counter(AtomicUsize::new(0)));
/// let handler = with_state(counter.clone(), count);
/// // An `async` closure works the same way:
/// let greeter = with_state("Hello".to_owned(), async |greeting: String, _: Event| {
///     QuickReply::new().text(format!("{greeting}!"))
/// });
///
/// let receiver = Receiver::new(WebhookToken::new("t").unwrap());
/// let hi = SampleEvent::user_message("hi");
/// assert_eq!(deliver(&receiver, &handler, &hi).texts(), ["message #1"]);
/// assert_eq!(deliver(&receiver, &handler, &hi).texts(), ["message #2"]);
/// assert_eq!(deliver(&receiver, &greeter, &hi).texts(), ["Hello!"]);
/// assert_eq!(counter.0.load(Ordering::SeqCst), 2);
/// ```
pub fn with_state<S, F, Fut, R>(state: S, function: F) -> WithState<S, F>
where
    S: Clone + Send + Sync + 'static,
    F: Fn(S, Event) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send,
    R: Into<Reply>,
{
    WithState { state, function }
}

impl<S, F, Fut, R> Handler for WithState<S, F>
where
    S: Clone + Send + Sync + 'static,
    F: Fn(S, Event) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send,
    R: Into<Reply>,
{
    fn call(&self, event: Event) -> impl Future<Output = Reply> + Send {
        let future = (self.function)(self.state.clone(), event);
        async move { future.await.into() }
    }
}

/// Runs the handler on `event` inside `span` (entered while its future is created and each
/// time it is polled), turning a panic (while creating or polling its future) into
/// [`Rejection::HandlerPanicked`].
pub(crate) async fn call_guarded<H: Handler + ?Sized>(
    handler: &H,
    event: Event,
    span: &Span,
) -> Result<Reply, Rejection> {
    let future = span
        .in_scope(|| catch_unwind(AssertUnwindSafe(|| handler.call(event))))
        .map_err(panicked)?;
    let mut future = pin!(future);
    poll_fn(|cx| {
        let _entered = span.enter();
        match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(reply)) => Poll::Ready(Ok(reply)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panicked(payload))),
        }
    })
    .await
}

fn panicked(payload: Box<dyn Any + Send>) -> Rejection {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)");
    tracing::error!(panic = message, "webhook handler panicked; answering 500");
    Rejection::HandlerPanicked
}
