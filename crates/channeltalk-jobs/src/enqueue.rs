//! [`Jobs`]: the webhook side of deferred work. A handler adds the delivery as a job before it
//! answers, and whatever happens the delivery still gets its 200: a full queue drops the job
//! (counted, logged with its message id) and a shared queue that cannot answer hands the job to
//! this process's own bounded queue (fail open, as the message-id store does).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use channeltalk_webhook::Event;

use crate::error::{QueueError, chain};
use crate::job::StoredJob;
use crate::memory::MemoryQueue;
use crate::metrics::{self, JobOutcome};
use crate::queue::{JobQueue, Pushed};

/// Where a pushed job went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use = "a dropped job is an answer that will not be posted"]
pub enum Enqueued {
    /// In the queue: a worker will run it.
    Queued,
    /// A job for this message was queued already (a repeated delivery): nothing was added.
    Repeat,
    /// The shared queue could not take it: it runs from this process's memory (lost if the
    /// process dies before).
    Local,
    /// Every queue was full or failing: the job will not run.
    Dropped,
}

/// Adds deliveries as jobs to a worker's queue. Cheap to clone: give one to the webhook
/// handler. Made by [`Worker::jobs`](crate::Worker::jobs).
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Producer>,
}

struct Producer {
    queue: Arc<dyn JobQueue>,
    local: Option<MemoryQueue>,
    /// Whether the shared queue is failing (to warn once per outage).
    failing: AtomicBool,
}

impl Jobs {
    pub(crate) fn new(queue: Arc<dyn JobQueue>, local: Option<MemoryQueue>) -> Self {
        Jobs {
            inner: Arc::new(Producer {
                queue,
                local,
                failing: AtomicBool::new(false),
            }),
        }
    }

    /// Adds the delivery of `event` as a job, keyed by its message id (see
    /// [`StoredJob::from_event`]). Await it before answering the delivery: with a durable
    /// queue, the job then survives this process.
    pub async fn push(&self, event: &Event) -> Enqueued {
        self.push_job(StoredJob::from_event(event)).await
    }

    /// Adds a job.
    pub async fn push_job(&self, job: StoredJob) -> Enqueued {
        let producer = &*self.inner;
        match producer.queue.push(job.clone()).await {
            Ok(pushed) => {
                if producer.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!(
                        queue = producer.queue.name(),
                        "the job queue takes jobs again"
                    );
                }
                match pushed {
                    Pushed::Queued => Enqueued::Queued,
                    Pushed::Repeat => {
                        tracing::debug!(job = job.id(), "a job for this message is queued already");
                        Enqueued::Repeat
                    }
                }
            }
            Err(QueueError::Full { capacity }) => dropped(&job, capacity),
            Err(error) => match &producer.local {
                Some(local) => {
                    if !producer.failing.swap(true, Ordering::Relaxed) {
                        tracing::warn!(
                            queue = producer.queue.name(),
                            error = %chain(&error),
                            "the job queue cannot take jobs: running them from this process's \
                             memory until it can (they are lost if the process dies)"
                        );
                    }
                    match local.push(job.clone()).await {
                        Ok(_) => {
                            metrics::count(JobOutcome::Local);
                            Enqueued::Local
                        }
                        Err(_) => dropped(&job, local.capacity()),
                    }
                }
                None => {
                    tracing::warn!(job = job.id(), error = %chain(&error), "job not queued");
                    metrics::count(JobOutcome::Dropped);
                    Enqueued::Dropped
                }
            },
        }
    }
}

fn dropped(job: &StoredJob, capacity: usize) -> Enqueued {
    tracing::warn!(
        job = job.id(),
        capacity,
        "job queue full: the delivery is acknowledged but this job is dropped"
    );
    metrics::count(JobOutcome::Dropped);
    Enqueued::Dropped
}

impl fmt::Debug for Jobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jobs")
            .field("queue", &self.inner.queue.name())
            .field("local", &self.inner.local)
            .finish_non_exhaustive()
    }
}
