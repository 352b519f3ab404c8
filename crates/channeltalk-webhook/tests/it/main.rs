//! The integration tests of `channeltalk-webhook`, one module per concern.
//!
//! One test binary: the dependencies are built and linked once instead of once per file. The
//! tests that read what a scoped `tracing` subscriber captured keep binaries of their own:
//! tracing caches per call site whether anyone listens, and tests on other threads of the same
//! binary could make such a test miss its events.

#[path = "../common/mod.rs"]
mod common;
mod dialogue;
mod envelope_forms;
mod events;
mod fuzz_regressions;
mod properties;
mod receiver;
mod receiver_forms;
mod router;
