//! [`RedisQueue`]: the job queue replicas share, on Redis Streams, so that an answer the bot
//! owes survives a deploy, a crash and an outage of Channel; and [`RedisQueueBuilder`], its
//! settings.
//!
//! The layout, under a key prefix (default `channeltalk:jobs:`):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `stream` | stream, consumer group `workers` | jobs ready or in hand (one field `job`) |
//! | `delayed` | sorted set, score = due time (ms) | jobs waiting for their next run |
//! | `dead` | stream, capped | dead jobs (`job`, `reason`) |
//! | `message:<id>` | string, with a time to live | a message id already queued |
//! | `paused-until` | string (epoch ms), expiring then | the rate-limit pause every replica honours |
//!
//! A job is added (`XADD`, in one script with the message id's `SET NX`) before the delivery
//! is answered; the jobs of deliveries that arrive together share one script call. A worker
//! reads only as many as it has free slots (`XREADGROUP … COUNT`); a read entry is its lease,
//! renewed with `XCLAIM … JUSTID` (which resets the idle time); an entry idle longer than the
//! claim time belonged to a worker that died, and another worker takes it over
//! (`XAUTOCLAIM`). A done job is acknowledged and deleted; a retried one moves to `delayed`
//! until Redis's clock says it is due; a dead one moves to `dead`.
//!
//! Not supported: Redis Cluster (the keys are not hash-tagged), `rediss://` (no TLS stack).

mod pushes;
mod reply;
mod scripts;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use channeltalk_jobs::{
    Claimed, DeadLetter, Finish, Finished, JobQueue, PauseFuture, PauseStore, Pushed, QueueError,
    QueueFuture, Receipt, StoredJob,
};
use redis::aio::ConnectionManager;
use redis::{RedisError, Value};
use tokio::time::Instant;

use crate::connection::{self, CallError, ConnectError};
use pushes::{Pushes, Target};
use reply::Entry;
use scripts::Scripts;

/// Jobs in Redis Streams, shared by every replica connected to the same Redis and key prefix.
///
/// Cloning shares the connections. Every call is bounded by the timeout; a blocking read for
/// new jobs by the time the worker asks to wait (at most a second) plus the timeout.
///
/// ```no_run
/// use std::time::Duration;
/// use channeltalk_jobs::Worker;
/// use channeltalk_webhook_redis::RedisQueue;
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let queue = RedisQueue::builder("redis://127.0.0.1:6379/")
///     .key_prefix("echo-bot:jobs:")
///     .claim_time(Duration::from_secs(30))
///     .connect_lazy()?; // starts while Redis is down: jobs then run from memory
/// let builder = Worker::builder(queue).concurrency(32);
/// let gate = builder.gate(); // its rate-limit pause is shared through Redis
/// # let _ = gate; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisQueue {
    inner: Arc<Inner>,
}

struct Inner {
    /// Every command but the blocking read.
    connection: ConnectionManager,
    /// The blocking read for new jobs, on a connection of its own (a blocked connection
    /// answers nothing else).
    reader: ConnectionManager,
    keys: Keys,
    group: String,
    consumer: String,
    claim_time: Duration,
    dead_letters: usize,
    timeout: Duration,
    scripts: Scripts,
    /// New jobs, sent to Redis in batches.
    pushes: Pushes,
    /// Whether the consumer group is known to exist.
    group_ready: AtomicBool,
    takeover: Mutex<Takeover>,
    /// When the consumers of past processes are next looked for.
    next_consumer_sweep: Mutex<Instant>,
}

struct Keys {
    stream: String,
    delayed: String,
    dead: String,
    pause: String,
    message_prefix: String,
}

/// Where the next `XAUTOCLAIM` starts, and when.
struct Takeover {
    cursor: String,
    next_at: Instant,
}

/// Settings of a [`RedisQueue`]; made by [`RedisQueue::builder`].
///
/// ```
/// use std::time::Duration;
/// use channeltalk_webhook_redis::{ConnectError, RedisQueue};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let refused = RedisQueue::builder("redis://127.0.0.1/")
///     .claim_time(Duration::from_millis(10))
///     .connect_lazy();
/// assert!(matches!(refused, Err(ConnectError::ClaimTimeTooShort(_))));
/// # }
/// ```
#[must_use = "a builder does nothing until `connect` or `connect_lazy`"]
pub struct RedisQueueBuilder {
    url: String,
    key_prefix: String,
    group: String,
    consumer: Option<String>,
    claim_time: Duration,
    dedup_for: Duration,
    dead_letters: usize,
    timeout: Duration,
}

impl RedisQueue {
    /// The default key prefix.
    pub const DEFAULT_KEY_PREFIX: &'static str = "channeltalk:jobs:";
    /// The default consumer group.
    pub const DEFAULT_GROUP: &'static str = "workers";
    /// How long a claimed job stays a worker's without renewal, by default: 30 s.
    pub const DEFAULT_CLAIM_TIME: Duration = Duration::from_secs(30);
    /// How long a queued message id is remembered by default (a repeated delivery within it
    /// is not queued again): 24 h, a job's maximum age.
    pub const DEFAULT_DEDUP_FOR: Duration = Duration::from_secs(24 * 3600);
    /// How many dead jobs are kept by default (about).
    pub const DEFAULT_DEAD_LETTERS: usize = 10_000;
    /// How long one call may take by default.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

    /// The settings of a queue on the Redis at `url` (`redis://[[user]:password@]host[:port][/db]`).
    pub fn builder(url: impl Into<String>) -> RedisQueueBuilder {
        RedisQueueBuilder {
            url: url.into(),
            key_prefix: RedisQueue::DEFAULT_KEY_PREFIX.to_owned(),
            group: RedisQueue::DEFAULT_GROUP.to_owned(),
            consumer: None,
            claim_time: RedisQueue::DEFAULT_CLAIM_TIME,
            dedup_for: RedisQueue::DEFAULT_DEDUP_FOR,
            dead_letters: RedisQueue::DEFAULT_DEAD_LETTERS,
            timeout: RedisQueue::DEFAULT_TIMEOUT,
        }
    }

    /// This worker's consumer name in the group.
    pub fn consumer(&self) -> &str {
        &self.inner.consumer
    }

    /// The key of the stream of ready and claimed jobs.
    pub fn stream_key(&self) -> &str {
        &self.inner.keys.stream
    }

    /// The key of the dead letters' stream.
    pub fn dead_key(&self) -> &str {
        &self.inner.keys.dead
    }

    /// The last `count` dead jobs, the newest first.
    pub async fn dead_letters(&self, count: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let mut command = redis::cmd("XREVRANGE");
        command
            .arg(&self.inner.keys.dead)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(count);
        let reply = self.query(&command).await?;
        Ok(reply::entries(&reply)
            .into_iter()
            .filter_map(|entry| {
                let job = StoredJob::decode(entry.field("job")?).ok()?;
                let reason = String::from_utf8_lossy(entry.field("reason").unwrap_or_default());
                let mut letter = DeadLetter::new(job, reason);
                letter.at = entry_time(&entry.id).unwrap_or(letter.at);
                Some(letter)
            })
            .collect())
    }

    async fn query(&self, command: &redis::Cmd) -> Result<Value, QueueError> {
        connection::query(&self.inner.connection, command, self.inner.timeout)
            .await
            .map_err(queue_error)
    }

    async fn run(&self, script: &redis::ScriptInvocation<'_>) -> Result<Value, QueueError> {
        connection::within(
            self.inner.timeout,
            |mut connection| async move { script.invoke_async(&mut connection).await },
            &self.inner.connection,
        )
        .await
        .map_err(queue_error)
    }

    /// Creates the consumer group (and the stream) unless known to exist.
    async fn ensure_group(&self) -> Result<(), QueueError> {
        if self.inner.group_ready.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut command = redis::cmd("XGROUP");
        command
            .arg("CREATE")
            .arg(&self.inner.keys.stream)
            .arg(&self.inner.group)
            // From the start: jobs added before any worker existed are read too.
            .arg("0")
            .arg("MKSTREAM");
        match connection::query(&self.inner.connection, &command, self.inner.timeout).await {
            Ok(_) => {}
            Err(CallError::Failed(error)) if error.code() == Some("BUSYGROUP") => {}
            Err(error) => return Err(queue_error(error)),
        }
        self.inner.group_ready.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Notes a missing group (Redis restarted empty, the stream deleted) so the next call
    /// creates it again.
    fn note(&self, error: QueueError) -> QueueError {
        if let QueueError::Unavailable(source) = &error {
            let no_group = source
                .downcast_ref::<RedisError>()
                .is_some_and(|error| error.code() == Some("NOGROUP"));
            if no_group {
                self.inner.group_ready.store(false, Ordering::Relaxed);
            }
        }
        error
    }

    async fn push_job(&self, job: StoredJob) -> Result<Pushed, QueueError> {
        let key = job
            .is_message()
            .then(|| format!("{}{}", self.inner.keys.message_prefix, job.id()));
        self.inner.pushes.push(job.encode(), key).await
    }

    async fn claim_jobs(&self, max: usize, wait: Duration) -> Result<Vec<Claimed>, QueueError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        self.ensure_group().await?;
        let taken = self.take_over(max).await.map_err(|e| self.note(e))?;
        if !taken.is_empty() {
            return self.decoded(taken).await;
        }
        let fresh = self.read_new(max, wait).await.map_err(|e| self.note(e))?;
        self.decoded(fresh).await
    }

    /// Claims entries whose lease expired, at most once per half claim time.
    async fn take_over(&self, max: usize) -> Result<Vec<Entry>, QueueError> {
        let cursor = {
            let mut takeover = self
                .inner
                .takeover
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            if now < takeover.next_at {
                return Ok(Vec::new());
            }
            takeover.next_at = now + (self.inner.claim_time / 2).min(Duration::from_secs(1));
            takeover.cursor.clone()
        };
        let mut command = redis::cmd("XAUTOCLAIM");
        command
            .arg(&self.inner.keys.stream)
            .arg(&self.inner.group)
            .arg(&self.inner.consumer)
            .arg(millis(self.inner.claim_time))
            .arg(&cursor)
            .arg("COUNT")
            .arg(max);
        let (next, entries) = reply::auto_claim(&self.query(&command).await?);
        let mut takeover = self
            .inner
            .takeover
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Scan on from where this one stopped; from the start again after a full pass, and
        // at once while there may be more to take.
        if next != "0-0" {
            takeover.next_at = Instant::now();
        }
        takeover.cursor = next;
        if !entries.is_empty() {
            tracing::info!(
                jobs = entries.len(),
                "took over jobs whose worker stopped renewing their lease"
            );
        }
        Ok(entries)
    }

    /// Reads new entries, blocking at most `wait` for one.
    async fn read_new(&self, max: usize, wait: Duration) -> Result<Vec<Entry>, QueueError> {
        let mut command = redis::cmd("XREADGROUP");
        command
            .arg("GROUP")
            .arg(&self.inner.group)
            .arg(&self.inner.consumer)
            .arg("COUNT")
            .arg(max);
        let block = millis(wait.min(MAX_BLOCK));
        if block > 0 {
            command.arg("BLOCK").arg(block);
        }
        command.arg("STREAMS").arg(&self.inner.keys.stream).arg(">");
        let reply = connection::query(
            &self.inner.reader,
            &command,
            wait.min(MAX_BLOCK) + self.inner.timeout,
        )
        .await
        .map_err(queue_error)?;
        Ok(reply::read_group(&reply))
    }

    /// Reads the jobs of claimed entries; an entry that holds no readable job is dead-lettered.
    async fn decoded(&self, entries: Vec<Entry>) -> Result<Vec<Claimed>, QueueError> {
        let mut claimed = Vec::with_capacity(entries.len());
        for entry in entries {
            let bytes = entry.field("job").unwrap_or_default();
            match StoredJob::decode(bytes) {
                Ok(job) => claimed.push(Claimed {
                    job,
                    receipt: Receipt::new(entry.id),
                }),
                Err(error) => {
                    tracing::error!(entry = entry.id, %error, "unreadable job dead-lettered");
                    let invocation = self.dead_invocation(&entry.id, bytes, &error.to_string());
                    self.run(&invocation).await?;
                }
            }
        }
        Ok(claimed)
    }

    fn dead_invocation<'a>(
        &'a self,
        id: &str,
        job: &[u8],
        reason: &str,
    ) -> redis::ScriptInvocation<'a> {
        let mut invocation = self.inner.scripts.dead.key(&self.inner.keys.stream);
        invocation
            .key(&self.inner.keys.dead)
            .arg(&self.inner.group)
            .arg(&self.inner.consumer)
            .arg(id)
            .arg(job)
            .arg(reason)
            .arg(self.inner.dead_letters);
        invocation
    }

    async fn end(&self, receipt: &Receipt, finish: Finish) -> Result<Finished, QueueError> {
        let id = receipt.as_str();
        let invocation = match finish {
            Finish::Done => {
                let mut invocation = self.inner.scripts.done.key(&self.inner.keys.stream);
                invocation
                    .arg(&self.inner.group)
                    .arg(&self.inner.consumer)
                    .arg(id);
                invocation
            }
            Finish::Retry { job, after } => {
                let mut invocation = self.inner.scripts.retry.key(&self.inner.keys.stream);
                invocation
                    .key(&self.inner.keys.delayed)
                    .arg(&self.inner.group)
                    .arg(&self.inner.consumer)
                    .arg(id)
                    .arg(millis(after))
                    .arg(job.encode());
                invocation
            }
            Finish::Dead { job, reason } => self.dead_invocation(id, &job.encode(), &reason),
        };
        match self.run(&invocation).await.map_err(|e| self.note(e))? {
            Value::Int(1) => Ok(Finished::Ended),
            _ => Ok(Finished::LeaseLost),
        }
    }

    async fn renew_leases(&self, receipts: &[Receipt]) -> Result<Vec<Receipt>, QueueError> {
        let mut invocation = self.inner.scripts.renew.key(&self.inner.keys.stream);
        invocation.arg(&self.inner.group).arg(&self.inner.consumer);
        for receipt in receipts {
            invocation.arg(receipt.as_str());
        }
        let lost = self.run(&invocation).await.map_err(|e| self.note(e))?;
        Ok(reply::strings(&lost)
            .into_iter()
            .map(Receipt::new)
            .collect())
    }

    async fn give_back(&self, receipts: &[Receipt]) -> Result<(), QueueError> {
        let mut invocation = self.inner.scripts.release.key(&self.inner.keys.stream);
        invocation
            .arg(&self.inner.group)
            .arg(&self.inner.consumer)
            .arg(millis(self.inner.claim_time));
        for receipt in receipts {
            invocation.arg(receipt.as_str());
        }
        self.run(&invocation).await.map(drop)
    }

    async fn promote(&self) -> Result<usize, QueueError> {
        self.sweep_consumers().await;
        let mut invocation = self.inner.scripts.promote.key(&self.inner.keys.delayed);
        invocation.key(&self.inner.keys.stream).arg(PROMOTE_AT_ONCE);
        match self.run(&invocation).await? {
            Value::Int(jobs) => Ok(usize::try_from(jobs).unwrap_or(0)),
            other => Err(QueueError::unavailable(format!(
                "Redis answered the promotion script with {other:?} instead of a count"
            ))),
        }
    }

    /// Every few minutes, removes the consumers that hold nothing and were idle for an hour.
    async fn sweep_consumers(&self) {
        {
            let mut next = self
                .inner
                .next_consumer_sweep
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            if now < *next {
                return;
            }
            *next = now + CONSUMER_SWEEP_EVERY;
        }
        if self.forget_idle_consumers(IDLE_CONSUMER).await.is_err() {
            // No group yet, or Redis down: the next sweep tries again.
        }
    }

    async fn forget_idle_consumers(&self, idle: Duration) -> Result<usize, QueueError> {
        let mut invocation = self
            .inner
            .scripts
            .forget_consumers
            .key(&self.inner.keys.stream);
        invocation.arg(&self.inner.group).arg(millis(idle));
        match self.run(&invocation).await? {
            Value::Int(removed) => {
                if removed > 0 {
                    tracing::info!(removed, "removed the idle consumers of stopped workers");
                }
                Ok(usize::try_from(removed).unwrap_or(0))
            }
            _ => Ok(0),
        }
    }

    async fn set_pause(&self, until: SystemTime) -> Result<(), QueueError> {
        let mut invocation = self.inner.scripts.pause.key(&self.inner.keys.pause);
        invocation.arg(epoch_millis(until));
        self.run(&invocation).await.map(drop)
    }

    async fn pause(&self) -> Result<Option<SystemTime>, QueueError> {
        let mut command = redis::cmd("GET");
        command.arg(&self.inner.keys.pause);
        let reply = self.query(&command).await?;
        Ok(connection::text(&reply)
            .and_then(|text| text.parse::<u64>().ok())
            .map(|millis| UNIX_EPOCH + Duration::from_millis(millis)))
    }
}

/// The longest a read blocks, whatever the worker asks.
const MAX_BLOCK: Duration = Duration::from_secs(1);
/// How many delayed jobs one housekeeping call moves at most.
const PROMOTE_AT_ONCE: usize = 1_000;
/// How often a queue looks for the consumers of stopped workers.
const CONSUMER_SWEEP_EVERY: Duration = Duration::from_secs(600);
/// How long a consumer holding nothing must have been idle to be removed: a live worker reads
/// at least every second.
const IDLE_CONSUMER: Duration = Duration::from_secs(3600);

fn queue_error(error: CallError) -> QueueError {
    match error {
        CallError::TimedOut(timeout) => QueueError::TimedOut(timeout),
        CallError::Failed(error) => QueueError::unavailable(error),
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn epoch_millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, millis)
}

/// The time a stream entry id (`<ms>-<seq>`) was made.
fn entry_time(id: &str) -> Option<SystemTime> {
    let millis = id.split('-').next()?.parse().ok()?;
    Some(UNIX_EPOCH + Duration::from_millis(millis))
}

impl JobQueue for RedisQueue {
    fn push(&self, job: StoredJob) -> QueueFuture<'_, Pushed> {
        Box::pin(self.push_job(job))
    }

    fn claim(&self, max: usize, wait: Duration) -> QueueFuture<'_, Vec<Claimed>> {
        Box::pin(self.claim_jobs(max, wait))
    }

    fn renew<'a>(&'a self, receipts: &'a [Receipt]) -> QueueFuture<'a, Vec<Receipt>> {
        Box::pin(self.renew_leases(receipts))
    }

    fn finish<'a>(&'a self, receipt: &'a Receipt, finish: Finish) -> QueueFuture<'a, Finished> {
        Box::pin(self.end(receipt, finish))
    }

    fn release<'a>(&'a self, receipts: &'a [Receipt]) -> QueueFuture<'a, ()> {
        Box::pin(self.give_back(receipts))
    }

    fn maintain(&self) -> QueueFuture<'_, usize> {
        Box::pin(self.promote())
    }

    fn lease(&self) -> Option<Duration> {
        Some(self.inner.claim_time)
    }

    fn is_durable(&self) -> bool {
        true
    }

    fn pause_store(&self) -> Option<Arc<dyn PauseStore>> {
        Some(Arc::new(self.clone()))
    }

    fn name(&self) -> &'static str {
        "redis"
    }
}

impl PauseStore for RedisQueue {
    fn pause_until(&self, until: SystemTime) -> PauseFuture<'_, ()> {
        Box::pin(self.set_pause(until))
    }

    fn paused_until(&self) -> PauseFuture<'_, Option<SystemTime>> {
        Box::pin(self.pause())
    }
}

impl fmt::Debug for RedisQueue {
    /// Settings only: the connection's address may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisQueue")
            .field("stream", &self.inner.keys.stream)
            .field("group", &self.inner.group)
            .field("consumer", &self.inner.consumer)
            .field("claim_time", &self.inner.claim_time)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisQueueBuilder {
    /// The text put before every key (default [`RedisQueue::DEFAULT_KEY_PREFIX`]). Bots sharing
    /// one Redis use different prefixes; replicas of one bot, the same.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// The consumer group (default [`RedisQueue::DEFAULT_GROUP`]).
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = group.into();
        self
    }

    /// This worker's name in the group (default: the host name, the process id and a random
    /// suffix, unique per process).
    pub fn consumer(mut self, name: impl Into<String>) -> Self {
        self.consumer = Some(name.into());
        self
    }

    /// How long a claimed job stays a worker's without renewal (default
    /// [`RedisQueue::DEFAULT_CLAIM_TIME`], at least 100 ms). The worker renews a third of it
    /// apart; a job whose worker died runs again after about this long.
    pub fn claim_time(mut self, time: Duration) -> Self {
        self.claim_time = time;
        self
    }

    /// How long a queued message id is remembered (default [`RedisQueue::DEFAULT_DEDUP_FOR`]).
    pub fn dedup_for(mut self, time: Duration) -> Self {
        self.dedup_for = time;
        self
    }

    /// About how many dead jobs to keep (default [`RedisQueue::DEFAULT_DEAD_LETTERS`]).
    pub fn dead_letters(mut self, count: usize) -> Self {
        self.dead_letters = count.max(1);
        self
    }

    /// How long one call may take (default [`RedisQueue::DEFAULT_TIMEOUT`]); also bounds each
    /// connection attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects, waiting until Redis answers.
    pub async fn connect(self) -> Result<RedisQueue, ConnectError> {
        let client = self.check()?;
        let connection = connection::connect(client.clone(), self.timeout, self.timeout).await?;
        let reader = connection::lazy_connection(client, self.timeout, MAX_BLOCK + self.timeout)?;
        Ok(self.into_queue(connection, reader))
    }

    /// Makes the queue without connecting: the first call connects. A replica starts while
    /// Redis is down, and runs the jobs of its deliveries from memory until Redis is back. Must
    /// be called inside a Tokio runtime.
    pub fn connect_lazy(self) -> Result<RedisQueue, ConnectError> {
        let client = self.check()?;
        let connection = connection::lazy_connection(client.clone(), self.timeout, self.timeout)?;
        let reader = connection::lazy_connection(client, self.timeout, MAX_BLOCK + self.timeout)?;
        Ok(self.into_queue(connection, reader))
    }

    fn check(&self) -> Result<redis::Client, ConnectError> {
        if self.claim_time < Duration::from_millis(100) {
            return Err(ConnectError::ClaimTimeTooShort(self.claim_time));
        }
        if self.dedup_for < Duration::from_millis(1) {
            return Err(ConnectError::TtlTooShort(self.dedup_for));
        }
        connection::client(&self.url, self.timeout)
    }

    fn into_queue(self, connection: ConnectionManager, reader: ConnectionManager) -> RedisQueue {
        let prefix = self.key_prefix;
        let scripts = Scripts::new();
        let stream = format!("{prefix}stream");
        let pushes = Pushes::start(Target {
            connection: connection.clone(),
            script: scripts.push.clone(),
            stream: stream.clone(),
            dedup_ms: millis(self.dedup_for),
            timeout: self.timeout,
        });
        RedisQueue {
            inner: Arc::new(Inner {
                connection,
                reader,
                keys: Keys {
                    stream,
                    delayed: format!("{prefix}delayed"),
                    dead: format!("{prefix}dead"),
                    pause: format!("{prefix}paused-until"),
                    message_prefix: format!("{prefix}message:"),
                },
                group: self.group,
                consumer: self.consumer.unwrap_or_else(consumer_name),
                claim_time: self.claim_time,
                dead_letters: self.dead_letters,
                timeout: self.timeout,
                scripts,
                pushes,
                group_ready: AtomicBool::new(false),
                takeover: Mutex::new(Takeover {
                    cursor: "0-0".to_owned(),
                    next_at: Instant::now(),
                }),
                next_consumer_sweep: Mutex::new(Instant::now()),
            }),
        }
    }
}

impl fmt::Debug for RedisQueueBuilder {
    /// Leaves the URL out: it may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisQueueBuilder")
            .field("key_prefix", &self.key_prefix)
            .field("group", &self.group)
            .field("claim_time", &self.claim_time)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// `<host>-<pid>-<random>`: unique per process, and readable in `XINFO CONSUMERS`.
fn consumer_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "worker".to_owned());
    format!("{host}-{}-{:04x}", std::process::id(), fastrand::u16(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_and_the_url_stays_out_of_debug() {
        let builder = || RedisQueue::builder("redis://:hunter2@127.0.0.1:6379/");
        assert!(builder().check().is_ok());
        assert!(matches!(
            builder().claim_time(Duration::from_millis(99)).check(),
            Err(ConnectError::ClaimTimeTooShort(_))
        ));
        assert!(matches!(
            builder().timeout(Duration::ZERO).check(),
            Err(ConnectError::ZeroTimeout)
        ));
        assert!(!format!("{:?}", builder()).contains("hunter2"));
    }

    #[test]
    fn entry_ids_tell_their_time() {
        assert_eq!(
            entry_time("1700000000123-4"),
            Some(UNIX_EPOCH + Duration::from_millis(1_700_000_000_123))
        );
        assert_eq!(entry_time("x"), None);
    }

    #[tokio::test]
    async fn consumers_holding_nothing_are_forgotten_and_those_holding_jobs_kept() {
        let server = crate::testing::RedisServer::start();
        let queue = |name: &str| {
            RedisQueue::builder(server.url())
                .consumer(name)
                .connect_lazy()
                .unwrap()
        };
        let (stopped, busy) = (queue("stopped-worker"), queue("busy-worker"));
        for id in ["m1", "m2"] {
            let body = channeltalk_webhook::testing::SampleEvent::user_message("hi")
                .id(id)
                .body();
            let event = channeltalk_webhook::Event::parse(body).unwrap();
            stopped.push(StoredJob::from_event(&event)).await.unwrap();
        }
        // One worker ran its job to the end and stopped; the other holds one.
        let done = stopped.claim(1, Duration::ZERO).await.unwrap();
        stopped
            .finish(&done[0].receipt, Finish::Done)
            .await
            .unwrap();
        assert_eq!(busy.claim(1, Duration::ZERO).await.unwrap().len(), 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
        let removed = busy.forget_idle_consumers(Duration::from_millis(10)).await;
        assert_eq!(removed.unwrap(), 1);
        let consumers: Vec<Vec<redis::Value>> = redis::cmd("XINFO")
            .arg("CONSUMERS")
            .arg(busy.stream_key())
            .arg(RedisQueue::DEFAULT_GROUP)
            .query(&mut server.raw())
            .unwrap();
        assert_eq!(consumers.len(), 1);
        assert_eq!(
            consumers[0][1],
            redis::Value::BulkString(b"busy-worker".to_vec())
        );
    }

    #[test]
    fn lazy_outside_a_runtime_is_an_error_not_a_panic() {
        let result = RedisQueue::builder("redis://127.0.0.1:6379/").connect_lazy();
        assert!(matches!(result, Err(ConnectError::NoRuntime)));
    }
}
