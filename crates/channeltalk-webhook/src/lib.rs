#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Channel Talk (channel.io) webhooks for Rust: typed events, the token check and quick
//! replies, with no web framework attached.
//!
//! This crate owns every rule of receiving a Channel webhook; the `channeltalk-webhook-actix`,
//! `-warp` and `-axum` crates only translate their framework's request and response types.
//! Use it directly over [`http`] types with [`Receiver::handle`], or step by step
//! ([`Receiver::begin`] → [`BodyCollector`] → [`Receiver::parse`] → [`Receiver::call`]).
//!
//! ```
//! use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
//! use channeltalk_webhook::rich_text::RichText;
//!
//! let receiver = Receiver::new(WebhookToken::new("s3cr3t")?);
//!
//! // The handler: echo users' messages back, bold prefix, their text escaped.
//! async fn echo(event: Event) -> Option<QuickReply> {
//!     let text = event.message()?.text()?.into_owned();
//!     let reply = QuickReply::new()
//!         .bot_name("EchoBot")
//!         .ok()?
//!         .text(RichText::new().bold("echo: ").text(text));
//!     Some(reply)
//! }
//! # let _ = (receiver, echo);
//! # Ok::<(), channeltalk_webhook::TokenConfigError>(())
//! ```
//!
//! # Statuses
//!
//! | outcome | status | |
//! |---|---|---|
//! | quick reply | 200 | `x-quick-reply: true`, JSON body |
//! | handled, nothing to post; unknown or drifted event; bot message (ignored) | 200 | body `ok` |
//! | token missing, wrong or repeated | 401 | checked before the body is read |
//! | body over the limit (default 1 MiB) | 413 | checked while the body streams in |
//! | body not UTF-8 / not JSON / not a JSON object | 400 | |
//! | not `POST` | 405 | |
//! | handler panicked | 500 | that request only |
//!
//! Channel blocks a webhook after 100 failed (4xx/5xx) deliveries in a row, so every
//! genuine delivery, understood or not, is answered 200.
//!
//! # Stability
//!
//! Channel adds fields, event types and enum values without notice. Models are
//! `#[non_exhaustive]`, enums keep unknown values in an `Other` variant, unknown entities
//! parse as [`Entity::Other`] and drifted ones as [`Entity::Unparsed`], and the raw body is
//! always at [`Event::body`]. New fields and variants may be added in minor releases.

mod body;
mod dedup;
mod event;
mod handler;
pub mod model;
mod receiver;
mod rejection;
mod reply;
pub mod rich_text;
pub mod router;
mod target;
#[cfg(feature = "testing")]
pub mod testing;
mod token;

pub use body::{BodyCollector, DEFAULT_BODY_LIMIT, declared_length};
pub use dedup::DeliveryGuard;
pub use event::{Entity, Event, ParseError, Refers};
pub use handler::{Handler, SyncHandler, sync_handler};
pub use model::{
    Action, Block, Bot, Button, ChatType, EntityType, File, Group, Manager, Message, MessageError,
    MessageState, OutgoingMessage, PersonType, Reaction, Timestamp, User, UserChat, UserChatState,
    UserType,
};
pub use receiver::{Policy, Receiver};
pub use rejection::{IgnoreReason, Rejection, require_post};
pub use reply::{BOT_NAME_HEADER, BotName, BotNameError, QUICK_REPLY_HEADER, QuickReply, Reply};
pub use router::Router;
pub use target::ChatTarget;
pub use token::{TOKEN_PARAMETER, TokenConfigError, TokenError, WebhookToken};

/// Re-exported so adapters and users share the exact `http` and `bytes` versions.
pub use bytes;
pub use http;
