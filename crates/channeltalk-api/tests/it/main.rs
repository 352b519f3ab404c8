//! The integration tests of `channeltalk-api`, one module per concern.
//!
//! One test binary: the dependencies are built and linked once instead of once per file.

mod chat_tags;
mod common;
mod coverage;
mod endpoints;
mod ensure;
mod message_parts;
mod retries;
mod secrets;
mod team;
mod user_chats;
mod users;
