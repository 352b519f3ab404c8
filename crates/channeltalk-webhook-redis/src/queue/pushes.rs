//! [`Pushes`]: the jobs of deliveries that arrive together go to Redis in one script call.
//!
//! Under load a replica acknowledges many deliveries at once, and each must have its job in
//! Redis first. One call per job costs a round trip, a script run and an append-only-file write
//! each; one call for the jobs waiting at that moment costs them once. No timer fills a batch:
//! the sending task lets the tasks that are ready run once (so that the deliveries being read
//! push their jobs too) and sends what is there; a push that arrives alone goes alone after
//! that one turn of the runtime. Each delivery still waits for its own job's answer,
//! so a batch that fails fails each of its deliveries, which then run their jobs from memory as
//! any failed push does.

use std::sync::Arc;
use std::time::Duration;

use channeltalk_jobs::{Pushed, QueueError};
use redis::aio::ConnectionManager;
use redis::{ErrorKind, RedisError, Script};
use tokio::sync::{mpsc, oneshot};

use super::queue_error;
use crate::connection::{self, CallError};

/// At most this many jobs in one call, so that one script run stays short for Redis.
const MAX_BATCH: usize = 64;

/// The sending side: cloned by nobody, owned by the queue; the task that sends the batches ends
/// when it is dropped.
pub(super) struct Pushes {
    sender: mpsc::UnboundedSender<Pending>,
}

/// Where and how the batches are written.
pub(super) struct Target {
    pub(super) connection: ConnectionManager,
    pub(super) script: Script,
    pub(super) stream: String,
    /// How long a message id is remembered (ms).
    pub(super) dedup_ms: u64,
    pub(super) timeout: Duration,
}

/// One job waiting to be sent, and where its answer goes.
struct Pending {
    payload: Vec<u8>,
    /// The message id's key, for a job made from a message.
    key: Option<String>,
    answer: oneshot::Sender<Result<Pushed, QueueError>>,
}

impl Pushes {
    /// Starts the task that sends the batches. Must be called inside a Tokio runtime.
    pub(super) fn start(target: Target) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(collect(receiver, Arc::new(target)));
        Pushes { sender }
    }

    /// Adds one job (with its message id's key, if any) and waits for Redis's answer.
    ///
    /// The channel is unbounded, but it holds at most one job per delivery being answered: each
    /// caller waits here until its job is sent.
    pub(super) async fn push(
        &self,
        payload: Vec<u8>,
        key: Option<String>,
    ) -> Result<Pushed, QueueError> {
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            payload,
            key,
            answer,
        };
        self.sender.send(pending).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

fn stopped() -> QueueError {
    QueueError::unavailable("the task that adds jobs to Redis has stopped (is the runtime ending?)")
}

/// Takes what is waiting (up to [`MAX_BATCH`]) and sends it, each batch on a task of its own so
/// that one slow call does not hold back the next batch.
async fn collect(mut receiver: mpsc::UnboundedReceiver<Pending>, target: Arc<Target>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Let the tasks that are ready run first (the runtime would otherwise run this one
        // right after the push that woke it): what they push now joins this batch.
        tokio::task::yield_now().await;
        while batch.len() < MAX_BATCH {
            let Ok(pending) = receiver.try_recv() else {
                break;
            };
            batch.push(pending);
        }
        let jobs = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
        tokio::spawn(send(Arc::clone(&target), jobs));
    }
}

async fn send(target: Arc<Target>, jobs: Vec<Pending>) {
    let mut invocation = target.script.key(&target.stream);
    invocation.arg(target.dedup_ms);
    for job in &jobs {
        invocation
            .key(job.key.as_deref().unwrap_or(&target.stream))
            .arg(job.payload.as_slice())
            .arg(u8::from(job.key.is_some()));
    }
    let answered: Result<Vec<i64>, CallError> = connection::within(
        target.timeout,
        |mut connection| async move { invocation.invoke_async(&mut connection).await },
        &target.connection,
    )
    .await;
    let answered = answered.and_then(|added| {
        if added.len() == jobs.len() {
            Ok(added)
        } else {
            Err(CallError::Failed(RedisError::from((
                ErrorKind::UnexpectedReturnType,
                "the push script answered for another number of jobs",
                format!("{} answers for {} jobs", added.len(), jobs.len()),
            ))))
        }
    });
    match answered {
        Ok(added) => {
            for (job, added) in jobs.into_iter().zip(added) {
                let pushed = if added == 1 {
                    Pushed::Queued
                } else {
                    Pushed::Repeat
                };
                let _ = job.answer.send(Ok(pushed));
            }
        }
        // Each job of the batch gets the batch's error, as a push of its own would.
        Err(error) => {
            for job in jobs {
                let _ = job.answer.send(Err(queue_error(error.clone())));
            }
        }
    }
}
