#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! The SDK's conformance harness (not published): the bad-input matrix every mount of every
//! adapter and example must pass over real HTTP, the fault checks (a slow handler, secrets in
//! logs and answers), the check that an adapter's reply type counts deliveries as the core
//! does, and the raw HTTP/1.1 client they use, which can send requests no well-behaved client
//! would (bad chunked encoding, duplicate headers, truncated bodies).
//!
//! Bot authors test with the core's `testing` feature instead
//! (`channeltalk_webhook::testing`).

mod client;
mod counting;
mod echo;
mod example;
mod faults;
mod guard;
mod matrix;
mod secrets;

pub use client::{RawBody, RawRequest, RawResponse, send};
pub use counting::{assert_replies_counted, deliveries_counted};
pub use echo::{echo, echo_async};
pub use example::Example;
pub use faults::{
    Gate, GateHandler, SLOW_TEXT, check_slow_handler_does_not_block, contains_secret, secret_leaks,
};
pub use guard::{GUARD, guarded, guarded_blocking};
pub use matrix::{Case, Contract, Expected, run_matrix};
pub use secrets::{
    FAULT_TOKEN, assert_answers_keep_the_secret, assert_debug_keeps_the_secret, assert_faults,
    assert_log_keeps_the_secret, assert_text_log_keeps_the_secret, capture_log, captured_log,
    fault_receiver,
};

/// The README's code, compiled and run as doctests (the servers are `no_run`).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
mod readme {}

/// The guide's code, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide.md")]
mod guide {}

/// The Open API guide's code, compiled as doctests (what would reach Channel is `no_run`).
#[cfg(doctest)]
#[doc = include_str!("../../../docs/api.md")]
mod api {}

/// The answering-later guide's code, compiled as doctests (the server is `no_run`).
#[cfg(doctest)]
#[doc = include_str!("../../../docs/answering-later.md")]
mod answering_later {}

/// The dialogues chapter's code, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/dialogues.md")]
mod dialogues {}

/// The replicas chapter's code, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/replicas.md")]
mod replicas {}
