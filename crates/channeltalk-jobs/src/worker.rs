//! [`Worker`]: runs the jobs of a queue with the bot's [`JobHandler`], at most `concurrency`
//! at a time, and stops without losing what a durable queue holds.
//!
//! The worker claims only as many jobs as it has free slots, and only while the [`Gate`] lets
//! requests to Channel through (a rate-limit pause or an open circuit breaker leaves the jobs
//! queued). It renews the leases of the jobs it holds, so a slow job stays its own, and gives
//! up a job whose lease was lost to a takeover. Each run ends as the rules in [`run`] say: done,
//! another run after a backoff, or dead.
//!
//! When a shared queue cannot take a delivery's job, the worker runs it from a bounded queue of
//! its own process ([`Jobs`]): it has two sources, each with its own claim loop, sharing the
//! slots.
//!
//! [`Worker::shutdown`] stops claiming, waits (bounded) for the jobs in hand, releases the
//! ones still running to the queue, and reports what it leaves: queued in a durable queue, or
//! lost with a memory one.

mod run;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::AbortHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::backoff::Backoff;
use crate::enqueue::Jobs;
use crate::error::chain;
use crate::gate::{Gate, GateSettings, Readiness};
use crate::handler::{DynJobHandler, JobHandler};
use crate::memory::MemoryQueue;
use crate::metrics;
use crate::queue::{Claimed, Finished, JobQueue, Receipt};

use run::Rules;

/// How long one claim waits for work when there is none (it also bounds how long a stopping
/// worker waits for its claim loops).
const CLAIM_WAIT: Duration = Duration::from_secs(1);
/// How often the queue's housekeeping runs (delayed jobs made ready, the queued gauge).
const UPKEEP_EVERY: Duration = Duration::from_millis(500);
/// How long a claim loop waits after its queue failed.
const AFTER_FAILURE: Duration = Duration::from_secs(1);

/// Settings of a [`Worker`]; made by [`Worker::builder`].
///
/// ```
/// use std::time::Duration;
/// use channeltalk_jobs::{Backoff, MemoryQueue, Worker};
///
/// let builder = Worker::builder(MemoryQueue::new(1_000))
///     .concurrency(8)
///     .backoff(Backoff::new(Duration::from_secs(2), Duration::from_secs(300)))
///     .max_age(Duration::from_secs(6 * 3600));
/// let gate = builder.gate(); // give it to the API client: `ClientBuilder::gate`
/// # let _ = gate;
/// ```
#[must_use = "a worker builder does nothing until `start`"]
pub struct WorkerBuilder {
    queue: Arc<dyn JobQueue>,
    concurrency: usize,
    rules: Rules,
    local_capacity: usize,
    gate: Gate,
}

impl WorkerBuilder {
    /// Jobs run at once, at most (default 32, at least 1).
    pub fn concurrency(mut self, jobs: usize) -> Self {
        self.concurrency = jobs.max(1);
        self
    }

    /// Waits between the runs of a failing job (default [`Backoff::default`]).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.rules.backoff = backoff;
        self
    }

    /// How long after its delivery a job may still run (default 24 h); an older one is dead.
    pub fn max_age(mut self, age: Duration) -> Self {
        self.rules.max_age = age;
        self
    }

    /// How many jobs this process runs from memory while a durable queue cannot take them
    /// (default 10,000).
    pub fn local_capacity(mut self, jobs: usize) -> Self {
        self.local_capacity = jobs.max(1);
        self
    }

    /// The circuit breaker's settings (the gate keeps sharing its pause through the queue).
    pub fn gate_settings(mut self, settings: GateSettings) -> Self {
        self.gate = gate_for(&*self.queue, settings);
        self
    }

    /// The gate the worker waits on before it claims: give the same one to the API client
    /// that its jobs post with, so that a 429 or an outage seen by any post holds back every
    /// post and every claim (and, on a shared queue, every replica's).
    pub fn gate(&self) -> Gate {
        self.gate.clone()
    }

    /// Starts claiming and running jobs on the current Tokio runtime.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub fn start(self, handler: impl JobHandler) -> Worker {
        let local = self
            .queue
            .is_durable()
            .then(|| MemoryQueue::new(self.local_capacity));
        let mut sources = vec![Source {
            queue: self.queue.clone(),
            fallback: None,
        }];
        if let Some(local) = &local {
            sources.push(Source {
                queue: Arc::new(local.clone()),
                fallback: Some(local.clone()),
            });
        }
        let shared = Arc::new(Shared {
            sources,
            handler: Box::new(handler),
            gate: self.gate,
            rules: self.rules,
            concurrency: self.concurrency,
            permits: Arc::new(Semaphore::new(self.concurrency)),
            held: Mutex::new(HashMap::new()),
            stop: CancellationToken::new(),
            runs: TaskTracker::new(),
        });
        let loops = TaskTracker::new();
        let upkeep = TaskTracker::new();
        let upkeep_stop = CancellationToken::new();
        for index in 0..shared.sources.len() {
            loops.spawn(claim_loop(shared.clone(), index));
            if let Some(lease) = shared.sources[index].queue.lease() {
                upkeep.spawn(renew_loop(
                    shared.clone(),
                    index,
                    lease,
                    upkeep_stop.clone(),
                ));
            }
        }
        upkeep.spawn(maintain_loop(shared.clone(), upkeep_stop.clone()));
        tracing::info!(
            queue = self.queue.name(),
            concurrency = shared.concurrency,
            "job worker started"
        );
        Worker {
            jobs: Jobs::new(self.queue, local),
            shared,
            loops,
            upkeep,
            upkeep_stop,
        }
    }
}

impl fmt::Debug for WorkerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerBuilder")
            .field("queue", &self.queue.name())
            .field("concurrency", &self.concurrency)
            .field("rules", &self.rules)
            .field("local_capacity", &self.local_capacity)
            .finish_non_exhaustive()
    }
}

fn gate_for(queue: &dyn JobQueue, settings: GateSettings) -> Gate {
    match queue.pause_store() {
        Some(store) => Gate::shared(store, settings),
        None => Gate::with_settings(settings),
    }
}

/// Runs the jobs of a queue. Made by [`Worker::builder`]; stop it with [`Worker::shutdown`]
/// (dropped, it stops claiming and leaves the jobs in hand to finish on their own).
///
/// ```
/// use std::time::Duration;
/// use channeltalk_jobs::{Enqueued, Job, JobError, MemoryQueue, Worker};
/// use channeltalk_webhook::Event;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (done, mut answers) = tokio::sync::mpsc::unbounded_channel();
/// let worker = Worker::builder(MemoryQueue::default()).start(move |job: Job| {
///     let done = done.clone();
///     async move {
///         // The slow work, then the post (`client.send(job.reply(..))` with the API client).
///         let post = job.reply("thanks, on it").ok_or(JobError::permanent("no chat"))?;
///         done.send(post.request_id).ok();
///         Ok(())
///     }
/// });
///
/// // In the webhook handler: queue the delivery, then acknowledge it.
/// let event = Event::parse(r#"{"event":"push","type":"message","entity":{"id":"m1",
///     "channelId":"1","chatType":"userChat","chatId":"c1","chatKey":"userChat-c1",
///     "personType":"user","personId":"u1","createdAt":1,"plainText":"hi"}}"#)?;
/// assert_eq!(worker.jobs().push(&event).await, Enqueued::Queued);
///
/// assert_eq!(answers.recv().await.as_deref(), Some("m1-0"));
/// let report = worker.shutdown(Duration::from_secs(5)).await;
/// assert_eq!(report.lost, 0);
/// # Ok(()) }
/// ```
pub struct Worker {
    jobs: Jobs,
    shared: Arc<Shared>,
    loops: TaskTracker,
    upkeep: TaskTracker,
    upkeep_stop: CancellationToken,
}

struct Shared {
    /// The queue, then (for a durable queue) this process's fallback.
    sources: Vec<Source>,
    handler: Box<dyn DynJobHandler>,
    gate: Gate,
    rules: Rules,
    concurrency: usize,
    permits: Arc<Semaphore>,
    /// The jobs in hand, by source and receipt, with the task running each.
    held: Mutex<HashMap<(usize, Receipt), AbortHandle>>,
    /// Cancelled when the worker stops claiming.
    stop: CancellationToken,
    runs: TaskTracker,
}

struct Source {
    queue: Arc<dyn JobQueue>,
    /// This process's fallback queue: waited on without holding slots, so that it never keeps
    /// them from the shared queue's claims.
    fallback: Option<MemoryQueue>,
}

impl Worker {
    /// A worker for `queue` ([`MemoryQueue`], or a shared one such as the Redis crate's),
    /// with the default settings and a gate made for the queue (its rate-limit pause shared
    /// when the queue is).
    pub fn builder(queue: impl JobQueue) -> WorkerBuilder {
        let queue: Arc<dyn JobQueue> = Arc::new(queue);
        WorkerBuilder {
            gate: gate_for(&*queue, GateSettings::default()),
            queue,
            concurrency: 32,
            rules: Rules {
                backoff: Backoff::default(),
                max_age: Duration::from_secs(24 * 3600),
            },
            local_capacity: MemoryQueue::DEFAULT_CAPACITY,
        }
    }

    /// Where webhook handlers add jobs.
    pub fn jobs(&self) -> Jobs {
        self.jobs.clone()
    }

    /// The gate the worker waits on.
    pub fn gate(&self) -> &Gate {
        &self.shared.gate
    }

    /// How many jobs the worker holds now.
    pub fn in_hand(&self) -> usize {
        self.shared.held().len()
    }

    /// Stops: claims nothing more, waits at most `timeout` for the jobs in hand, releases
    /// those still running to the queue (another worker may take them at once), and reports
    /// what is left. Call it once the server has stopped taking deliveries.
    pub async fn shutdown(self, timeout: Duration) -> ShutdownReport {
        let started = Instant::now();
        let shared = self.shared.clone();
        shared.stop.cancel();
        // A claim under way ends within its wait; its jobs are released by the loop.
        self.loops.close();
        let _ = tokio::time::timeout(CLAIM_WAIT * 3, self.loops.wait()).await;
        let in_hand = shared.held().len();
        shared.runs.close();
        let left = timeout.saturating_sub(started.elapsed());
        let drained = tokio::time::timeout(left, shared.runs.wait()).await.is_ok();
        let unfinished: Vec<(usize, Receipt)> = if drained {
            Vec::new()
        } else {
            shared
                .held()
                .drain()
                .map(|(key, task)| {
                    task.abort();
                    key
                })
                .collect()
        };
        // Aborted runs end at their next await; give the queue a settled state to release.
        let _ = tokio::time::timeout(CLAIM_WAIT, shared.runs.wait()).await;
        for (index, source) in shared.sources.iter().enumerate() {
            let receipts: Vec<Receipt> = unfinished
                .iter()
                .filter(|(source, _)| *source == index)
                .map(|(_, receipt)| receipt.clone())
                .collect();
            if receipts.is_empty() {
                continue;
            }
            if let Err(error) = source.queue.release(&receipts).await {
                tracing::warn!(
                    error = %chain(&error),
                    jobs = receipts.len(),
                    "could not release the unfinished jobs: they run again when their lease expires"
                );
            }
        }
        self.upkeep_stop.cancel();
        self.upkeep.close();
        self.upkeep.wait().await;
        metrics::in_hand(0);
        let durable = shared.sources[0].queue.is_durable();
        let mut queued = 0;
        let mut lost = 0;
        for source in &shared.sources {
            let held = source.queue.maintain().await.unwrap_or(0);
            if source.queue.is_durable() {
                queued += held;
            } else {
                lost += held;
            }
        }
        let report = ShutdownReport {
            waited: started.elapsed(),
            in_hand,
            unfinished: unfinished.len(),
            durable,
            queued,
            lost,
        };
        if report.lost == 0 {
            tracing::info!(%report, "job worker stopped");
        } else {
            tracing::error!(%report, "job worker stopped");
        }
        report
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shared.stop.cancel();
        self.upkeep_stop.cancel();
    }
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("queue", &self.shared.sources[0].queue.name())
            .field("concurrency", &self.shared.concurrency)
            .field("in_hand", &self.in_hand())
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn held(&self) -> MutexGuard<'_, HashMap<(usize, Receipt), AbortHandle>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn forget(&self, source: usize, receipt: &Receipt) {
        let mut held = self.held();
        held.remove(&(source, receipt.clone()));
        metrics::in_hand(held.len());
    }
}

/// Claims jobs from one source while the worker runs, as many as there are free slots.
async fn claim_loop(shared: Arc<Shared>, index: usize) {
    let queue = shared.sources[index].queue.clone();
    let fallback = shared.sources[index].fallback.clone();
    let mut failing = false;
    loop {
        let wait = match &fallback {
            Some(local) => {
                tokio::select! {
                    biased;
                    () = shared.stop.cancelled() => return,
                    ready = local.ready_within(CLAIM_WAIT) => if !ready { continue },
                }
                Duration::ZERO
            }
            None => CLAIM_WAIT,
        };
        let readiness = tokio::select! {
            biased;
            () = shared.stop.cancelled() => return,
            readiness = shared.gate.ready() => readiness,
        };
        let want = match readiness {
            Readiness::Open => shared.concurrency,
            Readiness::Probe => 1,
        };
        let permits = tokio::select! {
            biased;
            () = shared.stop.cancelled() => return,
            permits = acquire_up_to(&shared.permits, want) => permits,
        };
        let Some(mut permits) = permits else { return };
        let claimed = match queue.claim(permits.num_permits(), wait).await {
            Ok(claimed) => {
                if std::mem::take(&mut failing) {
                    tracing::info!(queue = queue.name(), "the job queue answers again");
                }
                claimed
            }
            Err(error) => {
                if !std::mem::replace(&mut failing, true) {
                    tracing::warn!(
                        queue = queue.name(),
                        error = %chain(&error),
                        "could not claim jobs; trying again every second"
                    );
                }
                drop(permits);
                tokio::select! {
                    () = shared.stop.cancelled() => return,
                    () = tokio::time::sleep(AFTER_FAILURE) => continue,
                }
            }
        };
        if shared.stop.is_cancelled() {
            let receipts: Vec<Receipt> = claimed.into_iter().map(|c| c.receipt).collect();
            if !receipts.is_empty() {
                let _ = queue.release(&receipts).await;
            }
            return;
        }
        for claim in claimed {
            let Some(permit) = permits.split(1) else {
                // More jobs than asked for: give the rest back.
                let _ = queue.release(&[claim.receipt]).await;
                continue;
            };
            start_run(&shared, index, claim, permit);
        }
    }
}

/// Waits for one free slot, then takes up to `want` in all.
async fn acquire_up_to(permits: &Arc<Semaphore>, want: usize) -> Option<OwnedSemaphorePermit> {
    let mut held = permits.clone().acquire_owned().await.ok()?;
    let more = want.saturating_sub(1).min(permits.available_permits());
    if let Ok(more) = u32::try_from(more) {
        if more > 0 {
            if let Ok(extra) = permits.clone().try_acquire_many_owned(more) {
                held.merge(extra);
            }
        }
    }
    Some(held)
}

fn start_run(shared: &Arc<Shared>, index: usize, claim: Claimed, permit: OwnedSemaphorePermit) {
    let span = tracing::info_span!(
        "job",
        id = claim.job.id(),
        attempt = claim.job.attempts().saturating_add(1),
        queue = shared.sources[index].queue.name(),
    );
    let receipt = claim.receipt.clone();
    let task = {
        let shared = shared.clone();
        async move {
            let queue = &shared.sources[index].queue;
            let (finish, outcome) = run::run(&*shared.handler, shared.rules, claim.job).await;
            match queue.finish(&claim.receipt, finish).await {
                Ok(Finished::Ended) => metrics::count(outcome),
                Ok(Finished::LeaseLost) => tracing::warn!(
                    "the job's lease expired and another worker has it: its end is theirs to record"
                ),
                Err(error) => tracing::warn!(
                    error = %chain(&error),
                    "could not record the job's end: it runs again when its lease expires"
                ),
            }
            shared.forget(index, &claim.receipt);
            drop(permit);
        }
        .instrument(span)
    };
    let mut held = shared.held();
    let handle = shared.runs.spawn(task);
    held.insert((index, receipt), handle.abort_handle());
    metrics::in_hand(held.len());
}

/// Renews the leases of the jobs in hand from one source, a third of the lease apart; stops a
/// run whose lease was lost (another worker runs the job now).
async fn renew_loop(shared: Arc<Shared>, index: usize, lease: Duration, stop: CancellationToken) {
    let queue = shared.sources[index].queue.clone();
    let every = (lease / 3).max(Duration::from_millis(10));
    let mut failing = false;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        let receipts: Vec<Receipt> = shared
            .held()
            .keys()
            .filter(|(source, _)| *source == index)
            .map(|(_, receipt)| receipt.clone())
            .collect();
        if receipts.is_empty() {
            continue;
        }
        match queue.renew(&receipts).await {
            Ok(lost) => {
                failing = false;
                let mut held = shared.held();
                for receipt in lost {
                    if let Some(task) = held.remove(&(index, receipt.clone())) {
                        task.abort();
                        tracing::warn!(
                            receipt = receipt.as_str(),
                            "lease lost: another worker took the job over; this run stops"
                        );
                    }
                }
                metrics::in_hand(held.len());
            }
            Err(error) => {
                if !std::mem::replace(&mut failing, true) {
                    tracing::warn!(
                        error = %chain(&error),
                        "could not renew the leases of the jobs in hand: another worker may \
                         take them over"
                    );
                }
            }
        }
    }
}

/// Runs the queues' housekeeping and reports how many jobs they hold.
async fn maintain_loop(shared: Arc<Shared>, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(UPKEEP_EVERY) => {}
        }
        let mut queued = 0;
        for source in &shared.sources {
            match source.queue.maintain().await {
                Ok(jobs) => queued += jobs,
                Err(error) => tracing::debug!(error = %chain(&error), "queue housekeeping failed"),
            }
        }
        metrics::queued(queued);
    }
}

/// What [`Worker::shutdown`] did and what it left.
///
/// Its `Display` is a sentence for the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// How long the shutdown took.
    pub waited: Duration,
    /// Jobs in hand when it started waiting.
    pub in_hand: usize,
    /// Jobs still running at the timeout: released to a durable queue (another worker runs
    /// them again), lost with a memory one.
    pub unfinished: usize,
    /// Whether the queue outlives the process.
    pub durable: bool,
    /// Jobs the durable queue holds (every replica's).
    pub queued: usize,
    /// Jobs that will not run: what a memory queue (or this process's fallback) still held.
    pub lost: usize,
}

impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let jobs = |n: usize| {
            if n == 1 {
                "1 job".to_owned()
            } else {
                format!("{n} jobs")
            }
        };
        write!(
            f,
            "stopped in {:.1} s; {} in hand, {} finished",
            self.waited.as_secs_f64(),
            jobs(self.in_hand),
            self.in_hand.saturating_sub(self.unfinished)
        )?;
        if self.durable {
            write!(f, "; {} left queued", jobs(self.queued))?;
        }
        if self.lost > 0 {
            write!(
                f,
                "; {} lost (held in this process's memory)",
                jobs(self.lost)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_read_as_sentences() {
        let report = ShutdownReport {
            waited: Duration::from_millis(1200),
            in_hand: 4,
            unfinished: 1,
            durable: true,
            queued: 36,
            lost: 0,
        };
        assert_eq!(
            report.to_string(),
            "stopped in 1.2 s; 4 jobs in hand, 3 finished; 36 jobs left queued"
        );
        let memory = ShutdownReport {
            durable: false,
            lost: 1,
            queued: 0,
            ..report
        };
        assert_eq!(
            memory.to_string(),
            "stopped in 1.2 s; 4 jobs in hand, 3 finished; 1 job lost (held in this process's memory)"
        );
    }
}
