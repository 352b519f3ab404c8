#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! `echo-later` as a library, for tests that serve it in-process: the bot's own `main.rs`,
//! compiled as a module, so that tests run exactly the code a user copies. Everything a user
//! needs is in `main.rs`; nothing there depends on this file.

#[allow(dead_code)]
#[path = "main.rs"]
mod bot;

pub use bot::serve;
