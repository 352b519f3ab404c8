//! The integration tests of `channeltalk-webhook-redis`, one module per concern.
//!
//! One test binary: the dependencies are built and linked once instead of once per file.

mod common;
mod dialogue;
mod queue;
mod receivers;
mod redis;
