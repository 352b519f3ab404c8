//! Test kit (feature `testing`): realistic sample events, a reader that sees a response as
//! Channel would, a raw HTTP/1.1 client, and the shared bad-input matrix every adapter runs.
//!
//! ```
//! use channeltalk_webhook::testing::{ChannelView, SampleEvent};
//! use channeltalk_webhook::{Receiver, WebhookToken, sync_handler, QuickReply, Event};
//!
//! # channeltalk_webhook::testing::block_on(async {
//! let receiver = Receiver::new(WebhookToken::new("t").unwrap());
//! let request = SampleEvent::user_message("hi").request("/webhook?token=t");
//! let response = receiver
//!     .handle(request, sync_handler(|_: Event| QuickReply::new().text("hello")))
//!     .await;
//! let view = ChannelView::from_response(&response);
//! assert!(view.is_quick_reply());
//! assert_eq!(view.texts(), ["hello"]);
//! # });
//! ```

mod client;
mod faults;
mod matrix;
mod sample;
mod secrets;
mod view;

pub use client::RawBody;
pub use client::{RawRequest, RawResponse, send};
pub use faults::{
    Gate, GateHandler, Opened, SLOW_TEXT, check_slow_handler_does_not_block, contains_secret,
    secret_leaks,
};
pub use matrix::{Case, Expected, assert_echo_matrix, echo_matrix, run_echo_matrix, run_matrix};
pub use sample::SampleEvent;
pub use secrets::{
    assert_answers_keep_the_secret, assert_debug_keeps_the_secret, assert_log_keeps_the_secret,
    capture_log, captured_log,
};
pub use view::ChannelView;

/// Runs a future that waits on no I/O (a receiver or handler under test) to completion on the
/// current thread, with no runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::yield_now();
    }
}
