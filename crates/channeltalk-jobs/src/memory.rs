//! [`MemoryQueue`]: jobs in this process's memory, bounded. The default queue of a single
//! process, and the fallback a worker runs jobs from when its shared queue cannot take them.
//!
//! What it cannot do is outlive the process: a shutdown reports the jobs it leaves, and a
//! crash loses them. A bound keeps it from growing without limit while the bot answers more
//! slowly than deliveries come: past its capacity a job is refused (the delivery is still
//! acknowledged; the job is counted as dropped).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use channeltalk_webhook::MemoryStore;
use channeltalk_webhook::store::{MessageIdStore, Recorded};
use futures_util::FutureExt;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::QueueError;
use crate::job::StoredJob;
use crate::queue::{Claimed, DeadLetter, Finish, Finished, JobQueue, Pushed, QueueFuture, Receipt};

/// Jobs in memory, at most `capacity` of them (waiting, delayed and in hand together).
/// Cloning shares the jobs.
///
/// A repeated delivery of a message (same message id, within the last hour and the last
/// 10,000 ids) is not queued twice. The last 1,000 dead jobs are kept for
/// [`MemoryQueue::dead_letters`].
///
/// ```
/// use std::time::Duration;
/// use channeltalk_jobs::{Finish, JobQueue, MemoryQueue, Pushed, StoredJob};
/// use channeltalk_webhook::Event;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let queue = MemoryQueue::new(10_000);
/// let event = Event::parse(r#"{"event":"push","type":"message","entity":{"id":"m1",
///     "channelId":"1","chatType":"userChat","chatId":"c1","chatKey":"userChat-c1",
///     "personType":"user","personId":"u1","createdAt":1,"plainText":"hi"}}"#)?;
/// assert_eq!(queue.push(StoredJob::from_event(&event)).await?, Pushed::Queued);
/// assert_eq!(queue.push(StoredJob::from_event(&event)).await?, Pushed::Repeat);
/// let claimed = queue.claim(32, Duration::ZERO).await?;
/// assert_eq!(claimed.len(), 1);
/// queue.finish(&claimed[0].receipt, Finish::Done).await?;
/// assert_eq!(queue.len(), 0);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct MemoryQueue {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes a claim waiting for work.
    added: Notify,
    /// Message ids already queued.
    seen: MemoryStore,
}

struct State {
    capacity: usize,
    next: u64,
    ready: VecDeque<(u64, StoredJob)>,
    delayed: BTreeMap<(Instant, u64), StoredJob>,
    /// Jobs claimed and not finished, kept so that a release can queue them again.
    in_hand: HashMap<u64, StoredJob>,
    dead: VecDeque<DeadLetter>,
}

/// How many dead letters a memory queue keeps.
const DEAD_LETTERS_KEPT: usize = 1_000;

impl MemoryQueue {
    /// How many jobs [`MemoryQueue::default`] holds.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// A queue of at most `capacity` jobs (at least one).
    pub fn new(capacity: usize) -> Self {
        MemoryQueue {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    capacity: capacity.max(1),
                    next: 0,
                    ready: VecDeque::new(),
                    delayed: BTreeMap::new(),
                    in_hand: HashMap::new(),
                    dead: VecDeque::new(),
                }),
                added: Notify::new(),
                seen: MemoryStore::default(),
            }),
        }
    }

    /// How many jobs it holds: waiting, delayed and in hand.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds no job.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many jobs it holds at most.
    pub fn capacity(&self) -> usize {
        self.lock().capacity
    }

    /// The jobs that died last (at most 1,000, the oldest first).
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.lock().dead.iter().cloned().collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn add(&self, job: StoredJob) -> Result<Pushed, QueueError> {
        let mut state = self.lock();
        if state.len() >= state.capacity {
            return Err(QueueError::Full {
                capacity: state.capacity,
            });
        }
        if job.is_message() && !self.first_time(job.id()) {
            return Ok(Pushed::Repeat);
        }
        let number = state.number();
        state.ready.push_back((number, job));
        drop(state);
        self.shared.added.notify_one();
        Ok(Pushed::Queued)
    }

    /// Records a message id; `false` for one already queued. The in-memory id store answers
    /// at once, so its future is ready when made.
    fn first_time(&self, id: &str) -> bool {
        !matches!(
            self.shared.seen.record(id).now_or_never(),
            Some(Ok(Recorded::Repeat))
        )
    }

    /// Waits until a job is ready to be claimed (a new one, or a delayed one whose time came),
    /// at most `wait`; whether one is. Takes nothing: a worker waits here without holding slots.
    pub(crate) async fn ready_within(&self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        loop {
            let notified = self.shared.added.notified();
            let now = Instant::now();
            let next_due = {
                let mut state = self.lock();
                state.promote(now);
                if !state.ready.is_empty() {
                    return true;
                }
                state.delayed.keys().next().map(|(due, _)| *due)
            };
            if now >= deadline {
                return false;
            }
            let until = next_due.map_or(deadline, |due| due.min(deadline));
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(until) => {}
            }
        }
    }

    async fn take(&self, max: usize, wait: Duration) -> Vec<Claimed> {
        if max == 0 || !self.ready_within(wait).await {
            return Vec::new();
        }
        self.lock().take(max, Instant::now())
    }

    fn end(&self, receipt: &Receipt, finish: Finish) -> Finished {
        let Ok(number) = receipt.as_str().parse::<u64>() else {
            return Finished::LeaseLost;
        };
        let mut state = self.lock();
        if state.in_hand.remove(&number).is_none() {
            return Finished::LeaseLost;
        }
        match finish {
            Finish::Done => {}
            Finish::Retry { job, after } => {
                state.delayed.insert((Instant::now() + after, number), job);
                drop(state);
                // A claim waiting for the earliest delayed job may now wait less.
                self.shared.added.notify_one();
            }
            Finish::Dead { job, reason } => {
                if state.dead.len() >= DEAD_LETTERS_KEPT {
                    state.dead.pop_front();
                }
                state.dead.push_back(DeadLetter::new(job, reason));
            }
        }
        Finished::Ended
    }

    fn give_back(&self, receipts: &[Receipt]) {
        let mut state = self.lock();
        // Back to the front, in their order, for the next claim.
        for receipt in receipts.iter().rev() {
            let Ok(number) = receipt.as_str().parse::<u64>() else {
                continue;
            };
            if let Some(job) = state.in_hand.remove(&number) {
                state.ready.push_front((number, job));
            }
        }
        drop(state);
        self.shared.added.notify_one();
    }
}

impl State {
    fn len(&self) -> usize {
        self.ready.len() + self.delayed.len() + self.in_hand.len()
    }

    fn number(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// Moves the delayed jobs whose time came to the ready ones.
    fn promote(&mut self, now: Instant) {
        while let Some(entry) = self.delayed.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, number), job) = entry.remove_entry();
            self.ready.push_back((number, job));
        }
    }

    fn take(&mut self, max: usize, now: Instant) -> Vec<Claimed> {
        self.promote(now);
        let count = max.min(self.ready.len());
        self.ready
            .drain(..count)
            .map(|(number, job)| {
                self.in_hand.insert(number, job.clone());
                Claimed {
                    job,
                    receipt: Receipt::new(number.to_string()),
                }
            })
            .collect()
    }
}

impl Default for MemoryQueue {
    /// A queue of [`MemoryQueue::DEFAULT_CAPACITY`] jobs.
    fn default() -> Self {
        MemoryQueue::new(MemoryQueue::DEFAULT_CAPACITY)
    }
}

impl fmt::Debug for MemoryQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryQueue")
            .field("capacity", &state.capacity)
            .field("ready", &state.ready.len())
            .field("delayed", &state.delayed.len())
            .field("in_hand", &state.in_hand.len())
            .finish_non_exhaustive()
    }
}

impl JobQueue for MemoryQueue {
    fn push(&self, job: StoredJob) -> QueueFuture<'_, Pushed> {
        Box::pin(std::future::ready(self.add(job)))
    }

    fn claim(&self, max: usize, wait: Duration) -> QueueFuture<'_, Vec<Claimed>> {
        Box::pin(async move { Ok(self.take(max, wait).await) })
    }

    /// Claims never expire in one process: nothing is ever lost.
    fn renew<'a>(&'a self, _receipts: &'a [Receipt]) -> QueueFuture<'a, Vec<Receipt>> {
        Box::pin(std::future::ready(Ok(Vec::new())))
    }

    fn finish<'a>(&'a self, receipt: &'a Receipt, finish: Finish) -> QueueFuture<'a, Finished> {
        Box::pin(std::future::ready(Ok(self.end(receipt, finish))))
    }

    fn release<'a>(&'a self, receipts: &'a [Receipt]) -> QueueFuture<'a, ()> {
        self.give_back(receipts);
        Box::pin(std::future::ready(Ok(())))
    }

    fn maintain(&self) -> QueueFuture<'_, usize> {
        Box::pin(std::future::ready(Ok(self.len())))
    }

    fn lease(&self) -> Option<Duration> {
        None
    }

    fn is_durable(&self) -> bool {
        false
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use channeltalk_webhook::Event;
    use channeltalk_webhook::testing::SampleEvent;

    fn job(id: &str) -> StoredJob {
        StoredJob::from_event(&Event::parse(SampleEvent::user_message("hi").id(id).body()).unwrap())
    }

    fn ids(claimed: &[Claimed]) -> Vec<&str> {
        claimed.iter().map(|claim| claim.job.id()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn delayed_jobs_come_back_in_due_order_and_a_claim_waits_for_the_first() {
        let queue = MemoryQueue::new(10);
        for id in ["a", "b", "c"] {
            queue.add(job(id)).unwrap();
        }
        let claimed = queue.take(3, Duration::ZERO).await;
        for (claim, seconds) in claimed.iter().zip([30, 10, 20]) {
            let retry = Finish::Retry {
                job: claim.job.clone().attempted(),
                after: Duration::from_secs(seconds),
            };
            assert_eq!(queue.end(&claim.receipt, retry), Finished::Ended);
        }
        assert_eq!(queue.len(), 3);
        let started = Instant::now();
        let first = queue.take(10, Duration::from_secs(60)).await;
        assert_eq!(
            (ids(&first), started.elapsed()),
            (vec!["b"], Duration::from_secs(10))
        );
        assert_eq!(first[0].job.attempts(), 1);
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert_eq!(ids(&queue.take(10, Duration::ZERO).await), ["c", "a"]);
        // Nothing due: an empty claim after the wait.
        assert!(queue.take(10, Duration::from_secs(5)).await.is_empty());
    }

    #[tokio::test]
    async fn released_jobs_are_claimed_first_and_unknown_receipts_change_nothing() {
        let queue = MemoryQueue::new(10);
        for id in ["a", "b", "c"] {
            queue.add(job(id)).unwrap();
        }
        let claimed = queue.take(2, Duration::ZERO).await;
        queue.give_back(&[claimed[0].receipt.clone(), claimed[1].receipt.clone()]);
        assert_eq!(ids(&queue.take(10, Duration::ZERO).await), ["a", "b", "c"]);
        assert_eq!(
            queue.end(&Receipt::new("999"), Finish::Done),
            Finished::LeaseLost
        );
        assert_eq!(
            queue.end(&Receipt::new("x"), Finish::Done),
            Finished::LeaseLost
        );
    }

    #[tokio::test]
    async fn dead_letters_are_kept_up_to_a_bound() {
        let queue = MemoryQueue::new(DEAD_LETTERS_KEPT + 10);
        for n in 0..DEAD_LETTERS_KEPT + 5 {
            queue.add(job(&format!("m{n}"))).unwrap();
        }
        for claim in queue.take(DEAD_LETTERS_KEPT + 5, Duration::ZERO).await {
            let dead = Finish::Dead {
                job: claim.job,
                reason: "404".to_owned(),
            };
            queue.end(&claim.receipt, dead);
        }
        let letters = queue.dead_letters();
        assert_eq!(letters.len(), DEAD_LETTERS_KEPT);
        assert_eq!(letters[0].job.id(), "m5");
        assert!(queue.is_empty());
    }
}
