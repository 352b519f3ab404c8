//! The integration tests of `echo-later`, one module per concern.
//!
//! One test binary: the dependencies are built and linked once instead of once per file.

mod common;
mod process;
mod queue;
mod replicas;
