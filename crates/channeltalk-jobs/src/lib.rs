#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Answers that survive: deferred work for Channel Talk bots, queued before the delivery is
//! acknowledged and run by a worker that retries for hours, pauses for Channel's rate limit
//! and stops hammering Channel while it is down.
//!
//! A bot whose answer takes time acknowledges the delivery at once and posts its answer later
//! through the Open API. Channel has its 200 by then and never sends the delivery again, so the
//! answer the bot owes lives only where the bot keeps it. This crate keeps it as a **job**: the
//! delivery itself ([`StoredJob`]: raw body, message id, received time) in a [`JobQueue`],
//! in memory ([`MemoryQueue`], one process, bounded) or in Redis (the
//! `channeltalk-webhook-redis` crate's `RedisQueue`: shared by replicas, surviving restarts
//! and crashes). A [`Worker`] claims jobs as it has room, runs the bot's [`JobHandler`] on
//! each ([`Job`]: the event read again), and ends each run as [`JobError`] says: done,
//! retried with [`Backoff`] until the job's maximum age, or dead-lettered.
//!
//! Every post a job makes carries a `requestId` derived from the message id and the post's
//! index ([`Job::reply`], [`Job::send`]): the same on every attempt and every replica, so that
//! at-least-once running posts each answer once. Every request to Channel passes one [`Gate`]:
//! a 429 pauses every post (every replica's, with a shared queue) until the reset, and a
//! circuit breaker stops posts while Channel fails, probing once per interval.
//!
//! ```no_run
//! use std::time::Duration;
//! use channeltalk_jobs::{Job, JobError, MemoryQueue, ShutdownSignal, Worker};
//!
//! # async fn answer(job: &Job) -> Result<(), JobError> { Ok(()) }
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let signal = ShutdownSignal::install()?; // SIGTERM / SIGINT now stop gracefully
//!     let worker = Worker::builder(MemoryQueue::default())
//!         .concurrency(32)
//!         .start(async |job: Job| answer(&job).await);
//!     let jobs = worker.jobs(); // in the webhook handler: `jobs.push(&event).await`
//!     # let _ = jobs;
//!     signal.wait().await; // (with a server: its graceful shutdown first)
//!     println!("{}", worker.shutdown(Duration::from_secs(20)).await);
//!     Ok(())
//! }
//! ```
//!
//! # Metrics
//!
//! Through the [`metrics`](::metrics) facade: [`JOBS_METRIC`] (what became of each job),
//! [`QUEUED_METRIC`], [`IN_HAND_METRIC`] and [`SENDING_PAUSED_METRIC`].

mod backoff;
mod enqueue;
mod error;
mod gate;
mod handler;
mod job;
mod memory;
mod metrics;
mod queue;
mod shutdown;
mod worker;

pub use backoff::Backoff;
pub use enqueue::{Enqueued, Jobs};
pub use error::{BoxError, Held, JobError, QueueError};
pub use gate::{Gate, GateSettings, GateStatus, Outcome, Pass, PauseFuture, PauseStore, Readiness};
pub use handler::JobHandler;
pub use job::{DecodeError, Job, StoredJob};
pub use memory::MemoryQueue;
pub use metrics::{IN_HAND_METRIC, JOBS_METRIC, QUEUED_METRIC, SENDING_PAUSED_METRIC};
pub use queue::{Claimed, DeadLetter, Finish, Finished, JobQueue, Pushed, QueueFuture, Receipt};
pub use shutdown::{ShutdownSignal, StopSignal};
pub use worker::{ShutdownReport, Worker, WorkerBuilder};
