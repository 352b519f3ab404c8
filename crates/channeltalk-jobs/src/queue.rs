//! [`JobQueue`]: what a worker needs of a place that keeps jobs, so that the same worker runs
//! on memory (one process) and on Redis (replicas, surviving restarts).
//!
//! The contract is the one job systems operators trust (BullMQ, Sidekiq): a job is added
//! before the delivery is acknowledged; a worker claims only as many as it has room for; a
//! claim is a lease the worker renews, and a lease left to expire (the worker died) lets
//! another worker take the job over; a finished job is either done (removed), retried later
//! (with its attempts counted) or dead (kept, with the reason, in a bounded list of dead
//! letters).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::error::QueueError;
use crate::gate::PauseStore;
use crate::job::StoredJob;

/// What [`JobQueue`]'s methods return: a boxed future that may borrow the queue.
pub type QueueFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, QueueError>> + Send + 'a>>;

/// Whether a job was added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pushed {
    /// Added: a worker will run it.
    Queued,
    /// A job with this message id was added already: nothing was added.
    Repeat,
}

/// The queue's handle on a claimed job: which job to renew, finish or release. Opaque to the
/// worker (the Redis queue's stream entry id, the memory queue's number).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Receipt(String);

impl Receipt {
    /// A receipt holding a backend's own id.
    pub fn new(id: impl Into<String>) -> Self {
        Receipt(id.into())
    }

    /// The backend's id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A job a worker claimed.
#[derive(Clone, Debug)]
pub struct Claimed {
    /// The job.
    pub job: StoredJob,
    /// The queue's handle on it.
    pub receipt: Receipt,
}

/// How a claimed job ends.
#[derive(Clone, Debug)]
pub enum Finish {
    /// It succeeded: remove it.
    Done,
    /// Run it again after `after` (the job carries its attempts so far).
    Retry {
        /// The job as it is to be stored.
        job: StoredJob,
        /// How long from now.
        after: Duration,
    },
    /// It failed for good: keep it with the reason among the dead letters.
    Dead {
        /// The job.
        job: StoredJob,
        /// Why, for whoever reads the dead letters.
        reason: String,
    },
}

/// Whether the worker still held the job when it finished it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished {
    /// The job ended as asked.
    Ended,
    /// The lease had expired and another worker has the job: nothing was changed.
    LeaseLost,
}

/// A job that failed for good, with why.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DeadLetter {
    /// The job.
    pub job: StoredJob,
    /// Why it is dead.
    pub reason: String,
    /// When it died.
    pub at: SystemTime,
}

impl DeadLetter {
    /// A dead letter of `job`, now.
    pub fn new(job: StoredJob, reason: impl Into<String>) -> Self {
        DeadLetter {
            job,
            reason: reason.into(),
            at: SystemTime::now(),
        }
    }
}

/// A place that keeps jobs until a worker has run them.
///
/// Implementations: [`MemoryQueue`](crate::MemoryQueue) (bounded, this process only) and the
/// `channeltalk-webhook-redis` crate's `RedisQueue` (Redis Streams, shared by replicas,
/// surviving restarts). Every method is bounded in time: a queue that can hang (a network
/// one) gives up after its timeout with [`QueueError::TimedOut`].
///
/// The trait is object-safe: hold any queue as `Arc<dyn JobQueue>`.
pub trait JobQueue: Send + Sync + 'static {
    /// Adds a job, unless a job with the same message id was added already (a repeated
    /// delivery, on any replica).
    fn push(&self, job: StoredJob) -> QueueFuture<'_, Pushed>;

    /// Claims at most `max` jobs that are ready to run, waiting at most about `wait` for one
    /// when none is. Jobs whose lease expired (their worker died) are taken over here.
    fn claim(&self, max: usize, wait: Duration) -> QueueFuture<'_, Vec<Claimed>>;

    /// Renews the leases of jobs in hand; answers those that were lost (taken over by
    /// another worker after their lease expired).
    fn renew<'a>(&'a self, receipts: &'a [Receipt]) -> QueueFuture<'a, Vec<Receipt>>;

    /// Ends a claimed job.
    fn finish<'a>(&'a self, receipt: &'a Receipt, finish: Finish) -> QueueFuture<'a, Finished>;

    /// Gives back jobs in hand that this worker will not finish (it is stopping), so that
    /// another worker may take them at once.
    fn release<'a>(&'a self, receipts: &'a [Receipt]) -> QueueFuture<'a, ()>;

    /// Housekeeping (delayed jobs whose time came become ready) and how many jobs the queue
    /// holds (waiting, delayed and in hand).
    fn maintain(&self) -> QueueFuture<'_, usize>;

    /// How long a claim lasts unless renewed; `None` when claims never expire (one process).
    fn lease(&self) -> Option<Duration>;

    /// Whether jobs outlive this process (a shutdown leaves them queued for another worker).
    fn is_durable(&self) -> bool;

    /// Where replicas share a rate-limit pause, for a queue shared by replicas.
    fn pause_store(&self) -> Option<Arc<dyn PauseStore>> {
        None
    }

    /// A name for logs: `memory`, `redis`.
    fn name(&self) -> &'static str;
}

impl<Q: JobQueue + ?Sized> JobQueue for Arc<Q> {
    fn push(&self, job: StoredJob) -> QueueFuture<'_, Pushed> {
        (**self).push(job)
    }

    fn claim(&self, max: usize, wait: Duration) -> QueueFuture<'_, Vec<Claimed>> {
        (**self).claim(max, wait)
    }

    fn renew<'a>(&'a self, receipts: &'a [Receipt]) -> QueueFuture<'a, Vec<Receipt>> {
        (**self).renew(receipts)
    }

    fn finish<'a>(&'a self, receipt: &'a Receipt, finish: Finish) -> QueueFuture<'a, Finished> {
        (**self).finish(receipt, finish)
    }

    fn release<'a>(&'a self, receipts: &'a [Receipt]) -> QueueFuture<'a, ()> {
        (**self).release(receipts)
    }

    fn maintain(&self) -> QueueFuture<'_, usize> {
        (**self).maintain()
    }

    fn lease(&self) -> Option<Duration> {
        (**self).lease()
    }

    fn is_durable(&self) -> bool {
        (**self).is_durable()
    }

    fn pause_store(&self) -> Option<Arc<dyn PauseStore>> {
        (**self).pause_store()
    }

    fn name(&self) -> &'static str {
        (**self).name()
    }
}
