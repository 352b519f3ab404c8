//! The integration tests of `channeltalk-webhook-cli`, one module per concern.
//!
//! One test binary: the dependencies are built and linked once instead of once per file.

mod api_listen;
mod cli;
mod common;
mod readme;
mod webhooks;
