#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Channel Talk (channel.io) Open API for bots: post answers later, read a chat's context,
//! hand a chat to people, and manage webhooks.
//!
//! A quick reply must be written inside the webhook's HTTP response. A bot whose answer takes
//! longer (a model call, a slow service, a person) answers the delivery with a plain 200 at
//! once and posts its answer afterwards with [`Client::send`]. The message is built with the
//! same builder as a quick reply ([`OutgoingMessage`], or a [`QuickReply`] turned into a
//! [`SendMessage`]), so blocks, escaping and limits are the same either way.
//!
//! ```no_run
//! use channeltalk_api::{ChatTarget, Client, SendMessage, SortOrder};
//! use channeltalk_webhook::{BotName, model::OutgoingMessage};
//!
//! const BOT: BotName = BotName::from_static("EchoBot");
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?;
//! // Context: the chat's last 20 messages.
//! let recent = client
//!     .user_chat_messages("6512f0c2", SortOrder::Desc)
//!     .limit(20)
//!     .next_page()
//!     .await?;
//! // The answer, posted later; retried safely with one requestId.
//! let message = OutgoingMessage::new().text("thanks, a person will take over");
//! client.send(SendMessage::new(ChatTarget::user_chat("6512f0c2"), message).bot_name(BOT)).await?;
//! # let _ = recent; Ok(()) }
//! ```
//!
//! # Reliability
//!
//! - Credentials travel in the `x-access-key` / `x-access-secret` headers; the secret is
//!   never in `Debug`, logs or errors.
//! - Every request passes the client's [`Gate`] (shared by its clones, and by a job worker
//!   given the same gate): a 429 pauses **every** request until `x-ratelimit-reset` (across
//!   replicas with a shared job queue), `x-ratelimit-will-be-throttled` spaces requests out,
//!   and after consecutive failures a circuit breaker holds requests back ([`ApiError::Held`],
//!   nothing sent) and lets one probe through per interval.
//! - 5xx, 408, timeouts and broken connections back off with jitter; attempts and total time
//!   are bounded ([`RetryPolicy`]); other 4xx are never retried. A send's `requestId` is made
//!   once and reused on every retry. For answers that must survive hours of outage or a
//!   crash, post from a job (`channeltalk-jobs`): an [`ApiError`] converts into the job's
//!   error, classified for the worker's retries.
//! - Answers are read tolerantly: unknown fields and values never fail a call.
//! - Each call is one `tracing` span `channel_api` (method, path template, attempt, status,
//!   duration).
//! - Metrics through the `metrics` facade (install any exporter): every HTTP request in
//!   `channeltalk_api_requests_total{status}` ([`REQUESTS_METRIC`]: `2xx`, `3xx`, `4xx`,
//!   `429`, `5xx`, or `error` when no answer came), every retry in
//!   `channeltalk_api_retries_total` ([`RETRIES_METRIC`]).
//!
//! # Testing
//!
//! The `testing` feature adds `testing::FakeChannel`, an in-process fake of the Open API on
//! 127.0.0.1 that checks credentials, records requests, serves messages and webhooks from
//! memory and can be scripted to fail.

mod chat_tags;
mod client;
mod endpoints;
mod error;
mod lenient;
mod models;
mod observe;
mod page;
mod rate_limit;
mod response;
mod retry;
mod send;
mod team;
#[cfg(feature = "testing")]
pub mod testing;
mod transport;
mod user_chats;
mod users;
mod webhooks;

pub use channeltalk_jobs::{Gate, Held};
pub use channeltalk_webhook::model::{OutgoingMessage, Scope};
pub use channeltalk_webhook::{BotName, QuickReply};
pub use chat_tags::{ChatTagColor, NewChatTag};
pub use client::{
    ACCESS_KEY_HEADER, ACCESS_KEY_VAR, ACCESS_SECRET_HEADER, ACCESS_SECRET_VAR, BASE_URL_VAR,
    Client, ClientBuilder, DEFAULT_BASE_URL, USER_AGENT_VALUE,
};
pub use error::{ApiError, ConfigError, TransportKind};
pub use models::{
    Channel, ChannelView, ChatTag, GroupView, ManagerView, MessageThread, MessageView,
    SignedFileUrl, ThreadView, UserChatView, UserEvent, UserView,
};
pub use observe::{REQUESTS_METRIC, RETRIES_METRIC};
pub use page::{MAX_PAGE_SIZE, Page, Pages, SortOrder};
pub use rate_limit::RateLimit;
pub use response::ApiResponse;
pub use retry::RetryPolicy;
pub use send::{ChatTarget, SendMessage};
pub use team::NewBot;
pub use user_chats::{MAX_USER_CHAT_TAGS, UserChatStateFilter, UserChatUpdate};
pub use users::{MAX_USER_TAGS, NewUserEvent, UserUpdate};
pub use webhooks::{EnsureError, Ensured, NewWebhook, WEBHOOK_API_VERSION, Webhook, WebhookUpdate};

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
