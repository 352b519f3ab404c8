//! The integration tests of `channeltalk-webhook`, one module per concern.
//!
//! One test binary: the dependencies are built and linked once instead of once per file.

mod common;
mod delivery;
mod dialogue;
mod drift_log;
mod envelope_forms;
mod events;
mod fail_open;
mod fuzz_regressions;
mod properties;
mod receiver;
mod receiver_forms;
mod router;
