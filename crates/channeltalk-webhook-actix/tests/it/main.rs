//! The integration tests of `channeltalk-webhook-actix`, one module per concern.
//!
//! One test binary: the dependencies are built and linked once instead of once per file.

#[macro_use]
mod common;
mod faults;
mod server;
mod service;
