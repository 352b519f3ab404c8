//! [`MessageIdStore`]: where handled message ids are remembered, so a repeated delivery of one
//! message is recognised; [`MemoryStore`], the embedded default; [`FailOpen`], the rule for a
//! store that cannot answer.
//!
//! Channel does not document whether it delivers a message again (after a slow or failed
//! answer, say); the SDK assumes it may, as webhook senders commonly do. A bot answers a
//! message once by recording its id before handling it: the first record says
//! [`Recorded::First`], later ones [`Recorded::Repeat`]. One process can keep the ids in memory
//! ([`MemoryStore`]); several replicas behind a load balancer must share them, through a store
//! such as the Redis one in the `channeltalk-webhook-redis` crate.
//!
//! A shared store can be down. [`FailOpen`] then lets the delivery go on as a first delivery (a
//! possible duplicate answer beats a lost one), logs one warning per outage and counts every
//! failure in the `channeltalk_webhook_store_failures_total` counter of the [`metrics`] facade.
//!
//! The trait is asynchronous and object-safe, and this module needs no async runtime: a store
//! that needs one (a network client) brings its own.

use std::collections::{HashMap, VecDeque};
use std::error::Error;
use std::fmt;
use std::future::{Future, ready};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use thiserror::Error;

/// The name of the counter of store failures (one per [`FailOpen::record`] or
/// [`FailOpen::forget`] whose store erred or timed out; no labels).
pub const STORE_FAILURES_METRIC: &str = "channeltalk_webhook_store_failures_total";

/// What [`MessageIdStore::record`] returns: a boxed future that may borrow the store and the id.
pub type RecordFuture<'a> = Pin<Box<dyn Future<Output = Result<Recorded, StoreError>> + Send + 'a>>;

/// What [`MessageIdStore::forget`] returns: a boxed future that may borrow the store and the id.
pub type ForgetFuture<'a> = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>>;

/// Whether a message id was new to the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Recorded {
    /// Not seen before (or forgotten since): handle the delivery.
    First,
    /// Seen before and still remembered: a repeated delivery.
    Repeat,
}

/// Why a store (of message ids, of dialogues) could not answer.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store did not answer within the time it was given.
    #[error("the store did not answer within {0:?}")]
    TimedOut(Duration),
    /// The store could not be reached or answered with an error; the source says why.
    #[error("the store could not answer")]
    Unavailable(#[source] Box<dyn Error + Send + Sync>),
}

impl StoreError {
    /// A [`StoreError::Unavailable`] caused by `source`.
    pub fn unavailable(source: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        StoreError::Unavailable(source.into())
    }
}

/// A store of handled message ids: records an id and says whether it was new, and forgets
/// an id whose handling failed (so a repeated delivery of it is handled again).
///
/// `record` must be atomic: of two concurrent records of one id (on one replica or several
/// sharing the store), exactly one sees [`Recorded::First`]. Ids are forgotten after a while
/// (a time to live, a capacity, or both) so the store stays bounded. A store that can hang
/// (a network one) bounds each call with a timeout and reports [`StoreError::TimedOut`].
///
/// The trait is object-safe: hold any store as `Arc<dyn MessageIdStore>`.
///
/// ```
/// use std::sync::Arc;
/// use channeltalk_webhook::MemoryStore;
/// use channeltalk_webhook::store::{ForgetFuture, MessageIdStore, RecordFuture, Recorded};
///
/// // A store that only logs, delegating to the in-memory one.
/// struct Logged(MemoryStore);
///
/// impl MessageIdStore for Logged {
///     fn record<'a>(&'a self, id: &'a str) -> RecordFuture<'a> {
///         Box::pin(async move {
///             let recorded = self.0.record(id).await?;
///             println!("{id}: {recorded:?}");
///             Ok(recorded)
///         })
///     }
///
///     fn forget<'a>(&'a self, id: &'a str) -> ForgetFuture<'a> {
///         self.0.forget(id)
///     }
/// }
///
/// let store: Arc<dyn MessageIdStore> = Arc::new(Logged(MemoryStore::default()));
/// # use futures_util::FutureExt;
/// # let first = store.record("m1").now_or_never().unwrap()?;
/// # assert_eq!(first, Recorded::First);
/// # Ok::<(), channeltalk_webhook::store::StoreError>(())
/// ```
pub trait MessageIdStore: Send + Sync {
    /// Records `id`; [`Recorded::First`] if the store did not remember it.
    fn record<'a>(&'a self, id: &'a str) -> RecordFuture<'a>;

    /// Forgets `id` (nothing happens if it is not remembered): the receiver calls it when
    /// the handler of a recorded message panicked, so that Channel's next delivery of the
    /// message is handled instead of being taken for a repeat.
    fn forget<'a>(&'a self, id: &'a str) -> ForgetFuture<'a>;
}

impl<S: MessageIdStore + ?Sized> MessageIdStore for Arc<S> {
    fn record<'a>(&'a self, id: &'a str) -> RecordFuture<'a> {
        (**self).record(id)
    }

    fn forget<'a>(&'a self, id: &'a str) -> ForgetFuture<'a> {
        (**self).forget(id)
    }
}

/// The embedded store: message ids in this process's memory, each kept for a time to live
/// and at most `capacity` of them (the oldest is forgotten first). Zero set-up; one process
/// only — replicas need a shared store.
///
/// Cloning shares the ids.
///
/// ```
/// use std::time::Duration;
/// use channeltalk_webhook::MemoryStore;
/// use channeltalk_webhook::store::{MessageIdStore, Recorded};
///
/// # async fn run() -> Result<(), channeltalk_webhook::store::StoreError> {
/// let store = MemoryStore::new(10_000, Duration::from_secs(600));
/// assert_eq!(store.record("m1").await?, Recorded::First);
/// assert_eq!(store.record("m1").await?, Recorded::Repeat);
/// assert_eq!(store.record("m2").await?, Recorded::First);
/// # Ok(()) }
/// # use futures_util::FutureExt;
/// # run().now_or_never().unwrap()?;
/// # Ok::<(), channeltalk_webhook::store::StoreError>(())
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Mutex<Remembered>>,
}

/// Ids with their expiry. The time to live is the same for every id, so insertion order is
/// expiry order: `order` holds each id of `expiries` once, the soonest to expire in front.
struct Remembered {
    capacity: usize,
    ttl: Duration,
    expiries: HashMap<Box<str>, Instant>,
    order: VecDeque<(Box<str>, Instant)>,
}

impl MemoryStore {
    /// How many ids [`MemoryStore::default`] keeps.
    pub const DEFAULT_CAPACITY: usize = 10_000;
    /// How long [`MemoryStore::default`] keeps an id.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);

    /// A store keeping up to `capacity` ids (at least one), each for `ttl` (a zero `ttl`
    /// remembers nothing: every record is a first one).
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        let capacity = capacity.max(1);
        MemoryStore {
            inner: Arc::new(Mutex::new(Remembered {
                capacity,
                ttl,
                expiries: HashMap::with_capacity(capacity.min(4096)),
                order: VecDeque::with_capacity(capacity.min(4096)),
            })),
        }
    }

    /// How many ids are remembered now (expired ones may count until the next record).
    pub fn len(&self) -> usize {
        self.lock().order.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record_at(&self, id: &str, now: Instant) -> Recorded {
        self.lock().record(id, now)
    }
}

impl Remembered {
    fn record(&mut self, id: &str, now: Instant) -> Recorded {
        while let Some((_, expiry)) = self.order.front() {
            if *expiry > now {
                break;
            }
            self.forget_oldest();
        }
        if self.expiries.contains_key(id) {
            return Recorded::Repeat;
        }
        if self.order.len() >= self.capacity {
            self.forget_oldest();
        }
        // An expiry past what `Instant` can hold means "never within this process's life".
        let expiry = now
            .checked_add(self.ttl)
            .unwrap_or(now + Duration::from_secs(1 << 32));
        let id: Box<str> = id.into();
        self.expiries.insert(id.clone(), expiry);
        self.order.push_back((id, expiry));
        Recorded::First
    }

    /// Forgets one id wherever it is in the order: a linear scan, fine for the rare forget
    /// (a panicked handler) and it keeps `order` exactly in step with `expiries`.
    fn forget(&mut self, id: &str) {
        if self.expiries.remove(id).is_some() {
            self.order.retain(|(remembered, _)| &**remembered != id);
        }
    }

    fn forget_oldest(&mut self) {
        if let Some((id, _)) = self.order.pop_front() {
            self.expiries.remove(&id);
        }
    }
}

impl Default for MemoryStore {
    /// [`MemoryStore::DEFAULT_CAPACITY`] ids, each for [`MemoryStore::DEFAULT_TTL`].
    fn default() -> Self {
        MemoryStore::new(Self::DEFAULT_CAPACITY, Self::DEFAULT_TTL)
    }
}

impl MessageIdStore for MemoryStore {
    fn record<'a>(&'a self, id: &'a str) -> RecordFuture<'a> {
        Box::pin(ready(Ok(self.record_at(id, Instant::now()))))
    }

    fn forget<'a>(&'a self, id: &'a str) -> ForgetFuture<'a> {
        self.lock().forget(id);
        Box::pin(ready(Ok(())))
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let remembered = self.lock();
        f.debug_struct("MemoryStore")
            .field("capacity", &remembered.capacity)
            .field("ttl", &remembered.ttl)
            .field("remembered", &remembered.order.len())
            .finish()
    }
}

/// A store whose failures never stop a delivery: [`FailOpen::record`] answers
/// [`Recorded::First`] when the store errs or times out, so the delivery is handled (a
/// possible duplicate answer beats a lost one).
///
/// Each failure adds one to the `channeltalk_webhook_store_failures_total` counter
/// ([`STORE_FAILURES_METRIC`]) of the [`metrics`] facade; the first failure of an outage logs
/// one warning, and the first answer after it logs that the store is back. Clones share the
/// store and the outage state.
///
/// ```
/// use channeltalk_webhook::MemoryStore;
/// use channeltalk_webhook::store::{FailOpen, Recorded};
///
/// # async fn run() {
/// let guard = FailOpen::new(MemoryStore::default());
/// assert_eq!(guard.record("m1").await, Recorded::First);
/// assert_eq!(guard.record("m1").await, Recorded::Repeat);
/// # }
/// # use futures_util::FutureExt;
/// # run().now_or_never().unwrap();
/// ```
#[derive(Clone)]
pub struct FailOpen {
    store: Arc<dyn MessageIdStore>,
    outage: Arc<AtomicBool>,
}

impl FailOpen {
    /// Wraps `store` (any store, or an `Arc` of one, including `Arc<dyn MessageIdStore>`).
    pub fn new(store: impl MessageIdStore + 'static) -> Self {
        FailOpen {
            store: Arc::new(store),
            outage: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Records `id`: the store's answer, or [`Recorded::First`] when it cannot answer.
    pub async fn record(&self, id: &str) -> Recorded {
        let answer = self.store.record(id).await;
        self.settle(answer).unwrap_or(Recorded::First)
    }

    /// Forgets `id`; a store that cannot answer is counted and logged like a failed record
    /// (the id then stays until its time to live: a repeat of it is acknowledged).
    pub async fn forget(&self, id: &str) {
        let answer = self.store.forget(id).await;
        let _ = self.settle(answer);
    }

    /// Passes a store's answer on, logging and counting a failure.
    fn settle<T>(&self, answer: Result<T, StoreError>) -> Option<T> {
        match answer {
            Ok(value) => {
                if self.outage.swap(false, Ordering::Relaxed) {
                    tracing::info!(
                        "message id store answers again; repeated deliveries are recognised again"
                    );
                }
                Some(value)
            }
            Err(error) => {
                metrics::counter!(STORE_FAILURES_METRIC).increment(1);
                if !self.outage.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        error = %Chain(&error),
                        "message id store cannot answer; deliveries are handled as first \
                         deliveries (a repeated one may be answered twice) until it answers again"
                    );
                }
                None
            }
        }
    }
}

impl fmt::Debug for FailOpen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FailOpen")
            .field("outage", &self.outage.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Displays an error with its sources, `error: source: source's source`, skipping a source
/// whose text its error already ends with (some errors print their source themselves).
pub(crate) struct Chain<'a>(pub(crate) &'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.to_string();
        f.write_str(&shown)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            let text = error.to_string();
            if !shown.ends_with(&text) {
                write!(f, ": {text}")?;
            }
            shown = text;
            source = error.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;
    use std::io;

    fn now_or_never<T>(future: impl Future<Output = T>) -> T {
        future
            .now_or_never()
            .expect("in-memory futures are ready at once")
    }

    #[test]
    fn repeats_are_recognised_and_different_ids_are_first() {
        let store = MemoryStore::default();
        assert_eq!(now_or_never(store.record("a")).unwrap(), Recorded::First);
        assert_eq!(now_or_never(store.record("b")).unwrap(), Recorded::First);
        assert_eq!(now_or_never(store.record("a")).unwrap(), Recorded::Repeat);
        let clone = store.clone();
        assert_eq!(now_or_never(clone.record("b")).unwrap(), Recorded::Repeat);
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn ids_expire_after_the_ttl() {
        let store = MemoryStore::new(100, Duration::from_secs(60));
        let start = Instant::now();
        assert_eq!(store.record_at("a", start), Recorded::First);
        let later = start + Duration::from_secs(30);
        assert_eq!(store.record_at("b", later), Recorded::First);
        assert_eq!(
            store.record_at("a", start + Duration::from_secs(59)),
            Recorded::Repeat
        );
        // "a" expires at 60 s, "b" at 90 s.
        let after_a = start + Duration::from_secs(60);
        assert_eq!(store.record_at("a", after_a), Recorded::First);
        assert_eq!(store.record_at("b", after_a), Recorded::Repeat);
        assert_eq!(store.len(), 2); // the expired "a" was dropped, not kept beside the new one
        let after_all = start + Duration::from_secs(200);
        assert_eq!(store.record_at("c", after_all), Recorded::First);
        assert_eq!(store.len(), 1);

        let forgetful = MemoryStore::new(100, Duration::ZERO);
        assert_eq!(forgetful.record_at("a", start), Recorded::First);
        assert_eq!(forgetful.record_at("a", start), Recorded::First);
    }

    #[test]
    fn the_oldest_id_is_forgotten_beyond_capacity() {
        let store = MemoryStore::new(2, Duration::from_secs(60));
        let now = Instant::now();
        assert_eq!(store.record_at("a", now), Recorded::First);
        assert_eq!(store.record_at("b", now), Recorded::First);
        assert_eq!(store.record_at("a", now), Recorded::Repeat);
        assert_eq!(store.record_at("c", now), Recorded::First); // forgets "a"
        assert_eq!(store.len(), 2);
        assert_eq!(store.record_at("b", now), Recorded::Repeat);
        assert_eq!(store.record_at("a", now), Recorded::First); // forgets "b"
        assert_eq!(store.record_at("b", now), Recorded::First);
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn zero_capacity_keeps_one_id_and_a_huge_ttl_does_not_overflow() {
        let store = MemoryStore::new(0, Duration::MAX);
        let now = Instant::now();
        assert_eq!(store.record_at("a", now), Recorded::First);
        assert_eq!(store.record_at("a", now), Recorded::Repeat);
        assert_eq!(store.record_at("b", now), Recorded::First);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn a_forgotten_id_is_first_again_and_its_new_record_lasts_its_whole_ttl() {
        let store = MemoryStore::new(3, Duration::from_secs(60));
        let start = Instant::now();
        assert_eq!(store.record_at("a", start), Recorded::First);
        assert_eq!(store.record_at("b", start), Recorded::First);
        now_or_never(store.forget("a")).unwrap();
        now_or_never(store.forget("never-recorded")).unwrap();
        assert_eq!(store.len(), 1);
        let later = start + Duration::from_secs(30);
        assert_eq!(store.record_at("a", later), Recorded::First);
        // The first record's expiry (60 s) must not take the second one (90 s) with it.
        let after_first = start + Duration::from_secs(61);
        assert_eq!(store.record_at("a", after_first), Recorded::Repeat);
        assert_eq!(store.record_at("b", after_first), Recorded::First);
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn debug_shows_settings_not_ids() {
        let store = MemoryStore::new(5, Duration::from_secs(1));
        store.record_at("secret-looking-id", Instant::now());
        let debug = format!("{store:?}");
        assert!(debug.contains("capacity: 5"), "{debug}");
        assert!(!debug.contains("secret-looking-id"), "{debug}");
    }

    #[test]
    fn stores_and_their_futures_go_across_threads() {
        fn assert_send<T: Send>(_: &T) {}
        fn assert_sync<T: Send + Sync>() {}
        assert_sync::<FailOpen>();
        assert_sync::<MemoryStore>();
        let guard = FailOpen::new(Arc::new(MemoryStore::default()) as Arc<dyn MessageIdStore>);
        let recording = guard.record("a");
        assert_send(&recording);
        assert_eq!(now_or_never(recording), Recorded::First);
    }

    #[test]
    fn errors_say_what_failed() {
        let timed_out = StoreError::TimedOut(Duration::from_millis(250));
        assert_eq!(
            timed_out.to_string(),
            "the store did not answer within 250ms"
        );
        let refused = StoreError::unavailable("connection refused");
        assert_eq!(
            Chain(&refused).to_string(),
            "the store could not answer: connection refused"
        );
        // A source that already prints its own source is not repeated.
        #[derive(Debug, Error)]
        #[error("dropped: {0}")]
        struct Dropped(#[source] io::Error);
        let dropped = StoreError::unavailable(Dropped(io::Error::other("reset")));
        assert_eq!(
            Chain(&dropped).to_string(),
            "the store could not answer: dropped: reset"
        );
    }
}
