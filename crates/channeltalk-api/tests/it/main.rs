//! The integration tests of `channeltalk-api`, one module per concern.
//!
//! One test binary: the dependencies are built and linked once instead of once per file. The
//! tests that read what a scoped `tracing` subscriber captured keep binaries of their own:
//! tracing caches per call site whether anyone listens, and tests on other threads of the same
//! binary could make such a test miss its events.

mod chat_tags;
#[path = "../common/mod.rs"]
mod common;
mod endpoints;
mod ensure;
mod message_parts;
mod retries;
mod secrets;
mod team;
mod user_chats;
mod users;
