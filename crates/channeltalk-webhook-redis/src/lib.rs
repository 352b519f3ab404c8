#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! What the replicas of a Channel Talk bot share through Redis: the handled message ids
//! ([`RedisStore`]), so that a repeated delivery is answered once; the job queue
//! ([`RedisQueue`], Redis Streams), so that the answers the bot owes survive a deploy, a crash
//! or an outage of Channel, and a 429 pauses every replica (its documentation has the key
//! layout and the protocol); and the dialogues ([`RedisDialogueStorage`]), each chat's state,
//! written by compare-and-set so that no update is lost.
//!
//! # The message-id store
//!
//! Channel does not document whether it delivers a message again; the SDK assumes it may, and
//! a repeated delivery may reach another replica than the first one. Each replica records a message id before handling the message; with one
//! shared [`RedisStore`] exactly one of them sees
//! [`Recorded::First`](channeltalk_webhook::store::Recorded::First). Recording is one atomic
//! `SET <prefix><id> 1 NX PX <ttl>`: Redis keeps each id for a time to live and forgets it on
//! its own.
//!
//! Give the store to the receiver, `Receiver::deduplication(store)`: a repeated message
//! is then acknowledged without calling the handler, a store that cannot answer never fails a
//! delivery, and a message whose handler panicked is forgotten (`DEL`) so that its next
//! delivery is handled. The example below uses the store alone.
//!
//! The store runs on Tokio (the `redis` crate's connection manager, which reconnects in the
//! background). Each call is bounded by a timeout; a store that cannot answer reports a
//! [`StoreError`](channeltalk_webhook::store::StoreError), and
//! [`FailOpen`](channeltalk_webhook::store::FailOpen) turns that into "handle the delivery", warns once
//! per outage and counts the failures.
//!
//! ```no_run
//! use std::time::Duration;
//! use channeltalk_webhook::store::{FailOpen, Recorded};
//! use channeltalk_webhook_redis::RedisStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), channeltalk_webhook_redis::ConnectError> {
//! let store = RedisStore::builder("redis://127.0.0.1:6379/")
//!     .key_prefix("echo-bot:message:")
//!     .ttl(Duration::from_secs(60 * 60))
//!     .timeout(Duration::from_millis(500))
//!     .connect()
//!     .await?;
//! let seen = FailOpen::new(store);
//! if seen.record("6661ad2a9f8f1b2c3d4e").await == Recorded::First {
//!     // handle the message
//! }
//! # Ok(()) }
//! ```
//!
//! `rediss://` (TLS) URLs are not supported: this crate builds without a TLS stack, and neither
//! is Redis Cluster.

mod connection;
mod dialogue;
mod queue;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use connection::ConnectError;
pub use dialogue::{RedisDialogueStorage, RedisDialogueStorageBuilder};
pub use queue::{RedisQueue, RedisQueueBuilder};
pub use store::{RedisStore, RedisStoreBuilder};

/// The README's example, compiled by `cargo test`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
