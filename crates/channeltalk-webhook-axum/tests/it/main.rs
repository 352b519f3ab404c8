//! The integration tests of `channeltalk-webhook-axum`, one module per concern.
//!
//! One test binary: the dependencies are built and linked once instead of once per file.

mod faults;
mod oneshot;
mod server;
