//! Test kit (feature `testing`) for bot authors: realistic sample events, a reader that sees
//! a response the way Channel does, and [`block_on`] to run a receiver and a handler in a
//! plain `#[test]`, with no server and no runtime.
//!
//! ```
//! use channeltalk_webhook::testing::{ChannelView, SampleEvent, block_on};
//! use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken, sync_handler};
//!
//! let receiver = Receiver::new(WebhookToken::new("t").unwrap());
//! let handler = sync_handler(|_: Event| QuickReply::new().text("hello"));
//! let request = SampleEvent::user_message("hi").request("/webhook?token=t");
//! let response = block_on(receiver.handle(request, &handler));
//! let view = ChannelView::from_response(&response);
//! assert!(view.is_quick_reply());
//! assert_eq!(view.texts(), ["hello"]);
//! ```

mod sample;
mod view;

pub use sample::SampleEvent;
pub use view::ChannelView;

use crate::{Handler, Receiver};

/// Delivers `sample` to `handler` through `receiver` the way Channel would (a `POST` with the
/// receiver's token) and returns the answer as Channel reads it. No server, no runtime.
///
/// ```
/// use channeltalk_webhook::testing::{SampleEvent, deliver};
/// use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
///
/// async fn greet(event: Event) -> Option<QuickReply> {
///     event.message().map(|_| QuickReply::new().text("hello"))
/// }
/// let receiver = Receiver::new(WebhookToken::new("t").unwrap());
/// assert_eq!(deliver(&receiver, &greet, &SampleEvent::user_message("hi")).texts(), ["hello"]);
/// assert!(!deliver(&receiver, &greet, &SampleEvent::bot_message("hi")).is_quick_reply());
/// ```
pub fn deliver<H: Handler + ?Sized>(
    receiver: &Receiver,
    handler: &H,
    sample: &SampleEvent,
) -> ChannelView {
    let token: String =
        form_urlencoded::byte_serialize(receiver.token().expose_secret().as_bytes()).collect();
    let target = format!("/webhook?token={token}");
    let response = block_on(receiver.handle(sample.request(&target), handler));
    ChannelView::from_response(&response)
}

/// Runs a future to completion on the current thread (the `futures` executor): a receiver and
/// a handler under test, with no runtime.
pub use futures_executor::block_on;
