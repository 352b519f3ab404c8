#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Channel Talk (channel.io) webhooks for Rust: typed events, the token check and quick
//! replies, with no web framework attached.
//!
//! This crate owns every rule of receiving a Channel webhook; the `channeltalk-webhook-actix`,
//! `-warp` and `-axum` crates only translate their framework's request and response types.
//! Bare, over [`http`] types, [`Receiver::handle`] runs the whole delivery; [`Receiver`]
//! lists its three ways in and when to use each.
//!
//! ```
//! use channeltalk_webhook::{BotName, Event, QuickReply, Receiver, WebhookToken};
//! use channeltalk_webhook::rich_text::RichText;
//!
//! let receiver = Receiver::new(WebhookToken::new("s3cr3t")?);
//!
//! // The handler: echo users' messages back, bold prefix, their text escaped.
//! async fn echo(event: Event) -> Option<QuickReply> {
//!     let text = event.text()?;
//!     let reply = QuickReply::new()
//!         .bot_name(BotName::from_static("EchoBot"))
//!         .text(RichText::new().bold("echo: ").text(text));
//!     Some(reply)
//! }
//! # let _ = (receiver, echo);
//! # Ok::<(), channeltalk_webhook::TokenConfigError>(())
//! ```
//!
//! Every genuine delivery, understood or not, is answered 200: Channel blocks a webhook after
//! 100 failed deliveries in a row. The statuses of every outcome are in the one table of
//! `docs/protocol.md` (in the repository), decided in [`adapter::Rejection`] and [`adapter::Unhandled`].
//!
//! # Replicas, metrics and traces
//!
//! [`Receiver::deduplication`] recognises repeated deliveries of a message through a
//! [`store::MessageIdStore`] ([`MemoryStore`] in one process, a shared one such as
//! `channeltalk-webhook-redis` for replicas), failing open when the store cannot answer. Each
//! delivery is counted once in `channeltalk_webhook_deliveries_total{outcome}` ([`metrics::Outcome`])
//! through the [`metrics`] facade (no exporter here: the application installs one), the
//! handler's run time in `channeltalk_webhook_handler_duration_seconds`, and each delivery is
//! one `tracing` span `webhook_delivery` with its message id, chat type and outcome. The
//! repository's `docs/replicas.md` lists every metric.
//!
//! # Stability
//!
//! Channel adds fields, event types and enum values without notice. Models are
//! `#[non_exhaustive]`, enums keep unknown values in an `Other` variant, unknown entities
//! parse as [`Entity::Other`] and drifted ones as [`Entity::Unparsed`], and the raw body is
//! always at [`Event::body`]. New fields and variants may be added in minor releases.

pub mod adapter;
mod body;
mod delivery;
pub mod dialogue;
pub mod env;
mod event;
mod handler;
mod headers;
pub mod metrics;
pub mod model;
mod receiver;
mod rejection;
mod reply;
pub mod rich_text;
mod router;
mod send;
pub mod store;
mod target;
#[cfg(feature = "testing")]
pub mod testing;
mod token;

pub use event::{Entity, Event, ParseError, Refers};
pub use handler::{Handler, SyncHandler, WithState, sync_handler, with_state};
pub use receiver::{Policy, Receiver};
pub use reply::{BotName, BotNameError, QuickReply, Reply};
pub use router::{Command, Router};
pub use send::SendMessage;
pub use store::MemoryStore;
pub use target::ChatTarget;
pub use token::{TokenConfigError, TokenSource, WebhookToken};

/// Re-exported so adapters and users share the exact `http` and `bytes` versions.
pub use bytes;
pub use http;
