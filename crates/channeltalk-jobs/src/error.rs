//! [`JobError`]: how a job handler says why a run failed, which decides what the worker does
//! next (retry later, dead-letter, or wait without spending an attempt); [`QueueError`]: why a
//! queue could not do what it was asked; [`Held`]: why the [`Gate`](crate::Gate) held a request
//! back.

use std::error::Error;
use std::time::Duration;

/// A boxed error, what the variants carry.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// Why a run of a job failed, classified for the worker.
///
/// The Open API client's `ApiError` converts into it (`?` in a handler): 5xx, 408, 429,
/// timeouts and broken connections are transient; other 4xx are permanent; a post held back
/// by the [`Gate`](crate::Gate) (a rate-limit pause, an open circuit breaker) is
/// [`JobError::Held`], which costs no attempt.
///
/// ```
/// use channeltalk_jobs::JobError;
///
/// let error = JobError::transient(std::io::Error::other("the model timed out"));
/// assert!(error.is_transient());
/// let error = JobError::permanent("the order does not exist");
/// assert!(!error.is_transient());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// It may work later (Channel failing, a timeout): retried with backoff until the job's
    /// maximum age.
    #[error("transient failure: {0}")]
    Transient(#[source] BoxError),
    /// It will fail the same way again (a refused request): dead-lettered at once.
    #[error("permanent failure: {0}")]
    Permanent(#[source] BoxError),
    /// Nothing was sent: posting is held back for a while. The job is run again after
    /// `retry_in`, and the wait is not counted as an attempt.
    #[error("not sent: {0}")]
    Held(#[from] Held),
}

impl JobError {
    /// A failure worth retrying.
    pub fn transient(error: impl Into<BoxError>) -> Self {
        JobError::Transient(error.into())
    }

    /// A failure not worth retrying.
    pub fn permanent(error: impl Into<BoxError>) -> Self {
        JobError::Permanent(error.into())
    }

    /// Whether the worker retries it with backoff (counting an attempt).
    pub fn is_transient(&self) -> bool {
        matches!(self, JobError::Transient(_))
    }
}

/// Why a [`JobQueue`](crate::JobQueue) could not do what it was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The queue holds as many jobs as it may: the job was not added.
    #[error("the job queue is full ({capacity} jobs)")]
    Full {
        /// How many jobs it holds at most.
        capacity: usize,
    },
    /// The queue did not answer within its timeout.
    #[error("the job queue did not answer within {0:?}")]
    TimedOut(Duration),
    /// The queue could not be reached or answered with an error; the source says why.
    #[error("the job queue could not answer")]
    Unavailable(#[source] BoxError),
}

impl QueueError {
    /// A [`QueueError::Unavailable`] caused by `source`.
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        QueueError::Unavailable(source.into())
    }
}

/// Why the gate held a request back: nothing was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Held {
    /// Channel's rate limit: sending is paused (or slowed) for longer than the caller would
    /// wait.
    #[error("Channel's rate limit pauses sending for {:.1} s", retry_in.as_secs_f64())]
    RateLimited {
        /// How long until the pause ends.
        retry_in: Duration,
    },
    /// The circuit breaker is open: the last requests to Channel failed, and only one probe
    /// goes through per interval.
    #[error(
        "Channel is failing (circuit breaker open); the next probe is in {:.1} s",
        retry_in.as_secs_f64()
    )]
    CircuitOpen {
        /// How long until the next probe may go.
        retry_in: Duration,
    },
}

impl Held {
    /// How long until a request may go.
    pub fn retry_in(&self) -> Duration {
        match *self {
            Held::RateLimited { retry_in } | Held::CircuitOpen { retry_in } => retry_in,
        }
    }
}

/// An error and its causes, `: `-separated, for a log line.
pub(crate) fn chain(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
        source = source.and_then(Error::source);
    }
    text
}
