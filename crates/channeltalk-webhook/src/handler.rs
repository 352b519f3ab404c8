//! [`Handler`]: your code, called with each accepted [`Event`], returning a [`Reply`].
//!
//! Any `async` closure or function `Fn(Event) -> impl Future<Output = R>` with `R` one of `()`,
//! [`QuickReply`](crate::QuickReply), `Option<QuickReply>` or [`Reply`] is a handler; wrap a
//! plain function with [`sync_handler`]. A panic in a handler is caught: that request gets a
//! 500 and the server goes on.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::Poll;

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

/// Runs the handler on `event`, turning a panic (while creating or polling its future) into
/// [`Rejection::HandlerPanicked`].
pub(crate) async fn call_guarded<H: Handler + ?Sized>(
    handler: &H,
    event: Event,
) -> Result<Reply, Rejection> {
    let future = catch_unwind(AssertUnwindSafe(|| handler.call(event))).map_err(panicked)?;
    let mut future = pin!(future);
    poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(reply)) => Poll::Ready(Ok(reply)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panicked(payload))),
        },
    )
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
