//! [`JobHandler`]: the bot's code that runs a job, the deferred half of answering a message.
//!
//! Any `async` closure or function `Fn(Job) -> impl Future<Output = Result<(), JobError>>` is
//! one; give it what it shares (the API client, a model) by capturing clones.

use std::future::Future;
use std::pin::Pin;

use crate::error::JobError;
use crate::job::Job;

/// Runs a job. It may run more than once for one delivery (a retry, a takeover after a
/// crash), so build its posts with [`Job::reply`] or [`Job::send`], whose `requestId`s make
/// a repeated post harmless.
///
/// ```
/// use channeltalk_jobs::{Job, JobError, JobHandler};
///
/// async fn answer(job: Job) -> Result<(), JobError> {
///     let text = job.event().text().unwrap_or_default();
///     let _post = job.reply(format!("echo: {text}"));
///     // client.send(post).await?;
///     Ok(())
/// }
/// fn assert_handler(_: impl JobHandler) {}
/// assert_handler(answer);
/// ```
pub trait JobHandler: Send + Sync + 'static {
    /// Runs one job.
    fn run(&self, job: Job) -> impl Future<Output = Result<(), JobError>> + Send;
}

impl<F, Fut> JobHandler for F
where
    F: Fn(Job) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send,
{
    fn run(&self, job: Job) -> impl Future<Output = Result<(), JobError>> + Send {
        self(job)
    }
}

/// What a worker holds: any handler, behind a pointer.
pub(crate) type RunFuture<'a> = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'a>>;

pub(crate) trait DynJobHandler: Send + Sync + 'static {
    fn run_boxed(&self, job: Job) -> RunFuture<'_>;
}

impl<H: JobHandler> DynJobHandler for H {
    fn run_boxed(&self, job: Job) -> RunFuture<'_> {
        Box::pin(self.run(job))
    }
}
