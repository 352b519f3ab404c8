//! [`Gate`]: the one gate every request to Channel passes, so that the bot as a whole (every
//! task, and every replica sharing a queue) respects Channel's rate limit and stops hammering
//! it while it is down.
//!
//! Three rules, each from the answers Channel gives:
//!
//! - **Pause on 429.** A throttled answer pauses every request until `x-ratelimit-reset`;
//!   with a [`PauseStore`] (the Redis queue is one) the pause is shared by every replica.
//! - **Slow down before 429.** An answer carrying `x-ratelimit-will-be-throttled` spaces the
//!   following requests over what is left of the window.
//! - **Circuit breaker.** After a few consecutive failures (5xx, 408, timeouts, refused or
//!   broken connections) the gate stops requests and lets one probe through per interval
//!   (1 s, doubling to 30 s); the first answer closes it again. Work held back this way is
//!   told so ([`Held`]) and does not count as an attempt.
//!
//! The gate knows nothing of HTTP: the API client tells it what each answer was
//! ([`Outcome`]). It runs on Tokio's clock, so its tests run on a paused one.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::error::{Held, QueueError};
use crate::metrics;

/// What [`PauseStore`]'s methods return.
pub type PauseFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, QueueError>> + Send + 'a>>;

/// Where replicas share a rate-limit pause: the latest time until which nobody may send.
///
/// The Redis queue implements it with one key; [`Gate::shared`] reads it before every request
/// and writes it on every 429. A store that cannot answer never stops a request: the gate
/// goes on with what this process knows, and logs the outage once.
pub trait PauseStore: Send + Sync + 'static {
    /// Pauses sending until `until`, unless a later pause is already set.
    fn pause_until(&self, until: SystemTime) -> PauseFuture<'_, ()>;

    /// The pause in force, if any.
    fn paused_until(&self) -> PauseFuture<'_, Option<SystemTime>>;
}

/// What became of a request let through, as the gate needs to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Channel answered (2xx, or a 4xx other than 408 and 429: the service is up).
    Answered {
        /// `x-ratelimit-will-be-throttled` was set: slow down.
        will_be_throttled: bool,
        /// `x-ratelimit-remaining`.
        remaining: Option<u64>,
        /// How long until `x-ratelimit-reset`.
        reset_in: Option<Duration>,
    },
    /// 429: throttled; how long until `x-ratelimit-reset`, when Channel said.
    RateLimited {
        /// How long until the window resets.
        reset_in: Option<Duration>,
    },
    /// 5xx, 408, a timeout, a refused or broken connection.
    Failed,
}

impl Outcome {
    /// An answer with no rate-limit news.
    pub const ANSWERED: Outcome = Outcome::Answered {
        will_be_throttled: false,
        remaining: None,
        reset_in: None,
    };
}

/// The circuit breaker's and the pause's settings.
///
/// ```
/// use std::time::Duration;
/// use channeltalk_jobs::{Gate, GateSettings};
///
/// let gate = Gate::with_settings(GateSettings::default().failures_to_open(3));
/// # let _ = gate;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateSettings {
    failures_to_open: u32,
    first_probe: Duration,
    longest_probe: Duration,
    longest_pause: Duration,
}

impl Default for GateSettings {
    /// Opens after 5 consecutive failures; probes after 1 s, doubling to 30 s; a pause lasts
    /// at most 5 minutes whatever `x-ratelimit-reset` says.
    fn default() -> Self {
        GateSettings {
            failures_to_open: 5,
            first_probe: Duration::from_secs(1),
            longest_probe: Duration::from_secs(30),
            longest_pause: Duration::from_secs(300),
        }
    }
}

impl GateSettings {
    /// Consecutive failures that open the circuit (at least 1).
    pub fn failures_to_open(mut self, failures: u32) -> Self {
        self.failures_to_open = failures.max(1);
        self
    }

    /// The first and the longest interval between probes while the circuit is open.
    pub fn probe_intervals(mut self, first: Duration, longest: Duration) -> Self {
        self.first_probe = first;
        self.longest_probe = longest.max(first);
        self
    }

    /// The longest pause a 429 causes (a bound on a wrong `x-ratelimit-reset`).
    pub fn longest_pause(mut self, pause: Duration) -> Self {
        self.longest_pause = pause;
        self
    }
}

/// The gate every request to Channel passes: rate-limit pause, slow-down and circuit breaker.
/// Cheap to clone: clones share the state.
///
/// The API client holds one (its own unless given one), and a job worker waits on the same
/// gate before it claims work, so that jobs are not taken while nothing may be sent.
///
/// ```
/// use std::time::Duration;
/// use channeltalk_jobs::{Gate, Held, Outcome};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let gate = Gate::new();
/// let pass = gate.admit(Duration::ZERO).await.unwrap();
/// pass.record(Outcome::RateLimited { reset_in: Some(Duration::from_secs(2)) }).await;
/// // Every other request now waits for the reset, or is held back.
/// let held = gate.admit(Duration::ZERO).await.unwrap_err();
/// assert!(matches!(held, Held::RateLimited { .. }));
/// assert!(gate.admit(Duration::from_secs(3)).await.is_ok()); // waited for the reset
/// # }
/// ```
#[derive(Clone)]
pub struct Gate {
    inner: Arc<Inner>,
}

struct Inner {
    settings: GateSettings,
    state: Mutex<State>,
    shared: Option<Arc<dyn PauseStore>>,
    /// Whether the shared store is failing (to warn once per outage).
    shared_failing: AtomicBool,
    /// While the shared store fails, it is asked again only after this: a store that hangs
    /// until its timeout must not add that timeout to every request.
    shared_retry_at: Mutex<Option<Instant>>,
}

#[derive(Default)]
struct State {
    paused_until: Option<Instant>,
    slow: Option<Slow>,
    failures: u32,
    open: Option<Open>,
}

/// Requests spaced by `interval` until `until`.
struct Slow {
    interval: Duration,
    next: Instant,
    until: Instant,
}

/// An open circuit: no request before `until`, then one probe at a time.
struct Open {
    until: Instant,
    interval: Duration,
    probing: bool,
}

/// What the state says about a request now.
enum Decision {
    Go {
        probe: bool,
    },
    /// A slot reserved for the caller at this time (slow-down).
    GoAt(Instant),
    Paused(Instant),
    Open(Duration),
}

/// Whether a worker may claim work now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Requests go through.
    Open,
    /// The circuit is open and its probe may go: claim one job, whose request is the probe.
    Probe,
}

impl Default for Gate {
    fn default() -> Self {
        Gate::new()
    }
}

impl fmt::Debug for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Gate")
            .field("shared", &self.inner.shared.is_some())
            .field("paused", &state.paused_until.is_some())
            .field("slowed", &state.slow.is_some())
            .field("open", &state.open.is_some())
            .finish_non_exhaustive()
    }
}

impl Gate {
    /// A gate for this process alone, with the default settings.
    pub fn new() -> Gate {
        Gate::build(GateSettings::default(), None)
    }

    /// A gate for this process alone.
    pub fn with_settings(settings: GateSettings) -> Gate {
        Gate::build(settings, None)
    }

    /// A gate whose rate-limit pause is shared through `store` by every replica.
    pub fn shared(store: Arc<dyn PauseStore>, settings: GateSettings) -> Gate {
        Gate::build(settings, Some(store))
    }

    fn build(settings: GateSettings, shared: Option<Arc<dyn PauseStore>>) -> Gate {
        Gate {
            inner: Arc::new(Inner {
                settings,
                state: Mutex::new(State::default()),
                shared,
                shared_failing: AtomicBool::new(false),
                shared_retry_at: Mutex::new(None),
            }),
        }
    }

    /// Whether the pause is shared with other replicas.
    pub fn is_shared(&self) -> bool {
        self.inner.shared.is_some()
    }

    /// Lets a request through, waiting at most `max_wait` for a pause or a slot to end.
    ///
    /// # Errors
    ///
    /// [`Held`] when the request may not go within `max_wait`: the pause is longer, or the
    /// circuit is open and this request is not its probe.
    pub async fn admit(&self, max_wait: Duration) -> Result<Pass, Held> {
        let deadline = Instant::now() + max_wait;
        loop {
            self.refresh_shared_pause().await;
            let now = Instant::now();
            let decision = self.decide(now, deadline);
            match decision {
                Decision::Go { probe } => return Ok(self.pass(probe)),
                Decision::GoAt(slot) => {
                    tokio::time::sleep_until(slot).await;
                    return Ok(self.pass(false));
                }
                Decision::Paused(until) if until <= deadline => {
                    tokio::time::sleep_until(until).await;
                }
                Decision::Paused(until) => {
                    return Err(Held::RateLimited {
                        retry_in: until - now,
                    });
                }
                Decision::Open(retry_in) => return Err(Held::CircuitOpen { retry_in }),
            }
        }
    }

    /// Waits until requests may go, and says whether only a probe may (for a worker, before it
    /// claims work: nothing is reserved).
    pub async fn ready(&self) -> Readiness {
        loop {
            self.refresh_shared_pause().await;
            let now = Instant::now();
            let wait = {
                let mut state = self.lock();
                state.expire_pause(now);
                match (&state.paused_until, &state.open) {
                    (Some(until), _) => *until - now,
                    (None, Some(open)) if now < open.until => open.until - now,
                    // A probe is out: look again soon.
                    (None, Some(open)) if open.probing => open.interval.min(PROBE_POLL),
                    (None, Some(_)) => return Readiness::Probe,
                    (None, None) => return Readiness::Open,
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// What the gate says now: for logs, health checks and tests.
    pub fn status(&self) -> GateStatus {
        let now = Instant::now();
        let mut state = self.lock();
        state.expire_pause(now);
        GateStatus {
            paused_for: state.paused_until.map(|until| until - now),
            slowed: state.slow.as_ref().is_some_and(|slow| slow.until > now),
            circuit_open: state.open.is_some(),
            consecutive_failures: state.failures,
        }
    }

    fn pass(&self, probe: bool) -> Pass {
        Pass {
            gate: self.clone(),
            probe,
            recorded: false,
        }
    }

    fn decide(&self, now: Instant, deadline: Instant) -> Decision {
        let mut state = self.lock();
        state.expire_pause(now);
        if let Some(until) = state.paused_until {
            return Decision::Paused(until);
        }
        if let Some(open) = &mut state.open {
            if now < open.until {
                return Decision::Open(open.until - now);
            }
            if open.probing {
                return Decision::Open(open.interval);
            }
            open.probing = true;
            return Decision::Go { probe: true };
        }
        if let Some(slow) = &mut state.slow {
            if slow.until <= now {
                state.slow = None;
            } else {
                let slot = slow.next.max(now);
                if slot > deadline {
                    return Decision::Paused(slot);
                }
                slow.next = slot + slow.interval;
                return Decision::GoAt(slot);
            }
        }
        Decision::Go { probe: false }
    }

    /// Takes on a pause another replica set.
    async fn refresh_shared_pause(&self) {
        let Some(store) = &self.inner.shared else {
            return;
        };
        if self.shared_cooling_down() {
            return;
        }
        match store.paused_until().await {
            Ok(until) => {
                if self.inner.shared_failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("the shared rate-limit pause can be read again");
                }
                let left = until.and_then(|until| until.duration_since(SystemTime::now()).ok());
                if let Some(left) = left.filter(|left| !left.is_zero()) {
                    self.lock().pause(Instant::now() + left);
                }
            }
            Err(error) => self.shared_failed(&error, "read"),
        }
    }

    /// Whether a failing shared store is left alone for now.
    fn shared_cooling_down(&self) -> bool {
        let retry_at = self
            .inner
            .shared_retry_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        retry_at.is_some_and(|at| Instant::now() < at)
    }

    fn shared_failed(&self, error: &QueueError, what: &str) {
        *self
            .inner
            .shared_retry_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now() + SHARED_COOL_DOWN);
        if !self.inner.shared_failing.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                error = %crate::error::chain(error),
                "could not {what} the rate-limit pause shared by the replicas; going on with \
                 this process's own"
            );
        }
    }

    async fn record(&self, outcome: Outcome, probe: bool) {
        let now = Instant::now();
        let settings = &self.inner.settings;
        let shared_pause = {
            let mut state = self.lock();
            match outcome {
                Outcome::Answered {
                    will_be_throttled,
                    remaining,
                    reset_in,
                } => {
                    state.answered();
                    if will_be_throttled {
                        state.slow_down(now, remaining, reset_in);
                    }
                    None
                }
                Outcome::RateLimited { reset_in } => {
                    state.answered();
                    // A little past the reset, which is in whole seconds, so the window has turned.
                    let jitter = Duration::from_millis(fastrand::u64(10..=100));
                    let pause = reset_in
                        .unwrap_or(DEFAULT_PAUSE)
                        .min(settings.longest_pause)
                        + jitter;
                    state.pause(now + pause);
                    tracing::warn!(
                        pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                        "Channel's rate limit reached (429): every request waits for the reset"
                    );
                    Some(SystemTime::now() + pause)
                }
                Outcome::Failed => {
                    state.failed(now, probe, settings);
                    None
                }
            }
        };
        if let (Some(until), Some(store)) = (shared_pause, &self.inner.shared) {
            if let Err(error) = store.pause_until(until).await {
                self.shared_failed(&error, "write");
            }
        }
    }

    fn release_probe(&self) {
        if let Some(open) = &mut self.lock().open {
            open.probing = false;
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// How long a 429 without `x-ratelimit-reset` pauses.
const DEFAULT_PAUSE: Duration = Duration::from_secs(1);
/// How long a slow-down without `x-ratelimit-reset` lasts.
const DEFAULT_SLOW: Duration = Duration::from_secs(1);
/// How long a failing shared pause store is left alone before it is asked again.
const SHARED_COOL_DOWN: Duration = Duration::from_secs(5);
/// How often a worker looks again while a probe is out.
const PROBE_POLL: Duration = Duration::from_millis(250);

impl State {
    fn expire_pause(&mut self, now: Instant) {
        if self.paused_until.is_some_and(|until| until <= now) {
            self.paused_until = None;
            metrics::sending_paused("rate_limit", false);
        }
    }

    fn pause(&mut self, until: Instant) {
        if self.paused_until.is_none_or(|current| current < until) {
            self.paused_until = Some(until);
            metrics::sending_paused("rate_limit", true);
        }
    }

    fn answered(&mut self) {
        self.failures = 0;
        if self.open.take().is_some() {
            tracing::info!("Channel answers again: circuit breaker closed");
            metrics::sending_paused("circuit_breaker", false);
        }
    }

    fn slow_down(&mut self, now: Instant, remaining: Option<u64>, reset_in: Option<Duration>) {
        let window = reset_in.unwrap_or(DEFAULT_SLOW);
        let requests = u32::try_from(remaining.unwrap_or(1).max(1)).unwrap_or(u32::MAX);
        let interval = (window / requests).clamp(Duration::from_millis(10), Duration::from_secs(2));
        let next = self.slow.as_ref().map_or(now, |slow| slow.next);
        self.slow = Some(Slow {
            interval,
            next,
            until: now + window,
        });
    }

    fn failed(&mut self, now: Instant, probe: bool, settings: &GateSettings) {
        self.failures = self.failures.saturating_add(1);
        match &mut self.open {
            Some(open) if probe => {
                open.interval = (open.interval * 2).min(settings.longest_probe);
                open.until = now + open.interval;
                open.probing = false;
                tracing::warn!(
                    next_probe_ms = u64::try_from(open.interval.as_millis()).unwrap_or(u64::MAX),
                    "Channel is still failing: circuit breaker stays open"
                );
            }
            Some(_) => {}
            None if self.failures >= settings.failures_to_open => {
                self.open = Some(Open {
                    until: now + settings.first_probe,
                    interval: settings.first_probe,
                    probing: false,
                });
                metrics::sending_paused("circuit_breaker", true);
                tracing::warn!(
                    failures = self.failures,
                    "Channel keeps failing: circuit breaker open, one probe per interval"
                );
            }
            None => {}
        }
    }
}

/// A request the gate let through. Tell the gate how it went with [`Pass::record`]; dropped
/// unrecorded (the request was cancelled), it counts for nothing.
#[must_use = "record the outcome, or the circuit breaker learns nothing"]
pub struct Pass {
    gate: Gate,
    probe: bool,
    recorded: bool,
}

impl Pass {
    /// Whether this request is the circuit breaker's probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// Tells the gate what became of the request.
    pub async fn record(mut self, outcome: Outcome) {
        self.recorded = true;
        self.gate.record(outcome, self.probe).await;
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        if self.probe && !self.recorded {
            self.gate.release_probe();
        }
    }
}

impl fmt::Debug for Pass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pass").field("probe", &self.probe).finish()
    }
}

/// A snapshot of a [`Gate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GateStatus {
    /// How long the rate-limit pause still lasts.
    pub paused_for: Option<Duration>,
    /// Whether requests are spaced out (`x-ratelimit-will-be-throttled`).
    pub slowed: bool,
    /// Whether the circuit breaker is open.
    pub circuit_open: bool,
    /// Failures in a row.
    pub consecutive_failures: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    async fn fail(gate: &Gate, times: u32) {
        for _ in 0..times {
            let pass = gate.admit(Duration::ZERO).await.unwrap();
            pass.record(Outcome::Failed).await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_every_request_until_the_reset() {
        let gate = Gate::new();
        let started = Instant::now();
        let pass = gate.admit(Duration::ZERO).await.unwrap();
        pass.record(Outcome::RateLimited {
            reset_in: Some(3 * S),
        })
        .await;
        let held = gate.admit(S).await.unwrap_err();
        let Held::RateLimited { retry_in } = held else {
            panic!("{held:?}")
        };
        assert!(retry_in > 3 * S && retry_in <= 3 * S + Duration::from_millis(100));
        assert!(gate.status().paused_for.is_some());
        let other = gate.clone();
        let waited = tokio::spawn(async move { other.admit(10 * S).await.map(drop) });
        assert!(waited.await.unwrap().is_ok());
        assert!(started.elapsed() > 3 * S);
        assert_eq!(gate.status().paused_for, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_without_a_reset_pauses_a_second_and_a_far_reset_is_bounded() {
        let gate = Gate::with_settings(GateSettings::default().longest_pause(10 * S));
        gate.admit(Duration::ZERO)
            .await
            .unwrap()
            .record(Outcome::RateLimited { reset_in: None })
            .await;
        let paused = gate.status().paused_for.unwrap();
        assert!(paused > S && paused < 2 * S, "{paused:?}");
        tokio::time::sleep(2 * S).await;
        gate.admit(Duration::ZERO)
            .await
            .unwrap()
            .record(Outcome::RateLimited {
                reset_in: Some(3600 * S),
            })
            .await;
        let paused = gate.status().paused_for.unwrap();
        assert!(paused <= 11 * S, "{paused:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_breaker_opens_after_consecutive_failures_and_probes_with_growing_intervals() {
        let gate = Gate::with_settings(GateSettings::default().failures_to_open(3));
        fail(&gate, 2).await;
        // An answer in between resets the count.
        gate.admit(Duration::ZERO)
            .await
            .unwrap()
            .record(Outcome::ANSWERED)
            .await;
        fail(&gate, 2).await;
        assert!(!gate.status().circuit_open);
        fail(&gate, 1).await;
        assert!(gate.status().circuit_open);
        // Open: held back, without waiting, whatever the caller would wait.
        let held = gate.admit(60 * S).await.unwrap_err();
        assert_eq!(held, Held::CircuitOpen { retry_in: S });
        // Probes come at 1 s, then 2 s, 4 s, 8 s, 16 s, 30 s, 30 s after each failed probe.
        let mut intervals = Vec::new();
        let mut last = Instant::now();
        for _ in 0..7 {
            assert_eq!(gate.ready().await, Readiness::Probe);
            intervals.push((Instant::now() - last).as_secs());
            let probe = gate.admit(Duration::ZERO).await.unwrap();
            assert!(probe.is_probe());
            // Only one probe at a time.
            assert!(matches!(
                gate.admit(Duration::ZERO).await,
                Err(Held::CircuitOpen { .. })
            ));
            probe.record(Outcome::Failed).await;
            last = Instant::now();
        }
        assert_eq!(intervals, [1, 2, 4, 8, 16, 30, 30]);
        // A probe answered closes it.
        assert_eq!(gate.ready().await, Readiness::Probe);
        let probe = gate.admit(Duration::ZERO).await.unwrap();
        probe.record(Outcome::ANSWERED).await;
        assert!(!gate.status().circuit_open);
        assert_eq!(gate.ready().await, Readiness::Open);
        assert!(!gate.admit(Duration::ZERO).await.unwrap().is_probe());
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_probe_lets_the_next_one_go() {
        let gate = Gate::with_settings(GateSettings::default().failures_to_open(1));
        fail(&gate, 1).await;
        tokio::time::sleep(S).await;
        let probe = gate.admit(Duration::ZERO).await.unwrap();
        assert!(probe.is_probe());
        drop(probe);
        assert!(gate.admit(Duration::ZERO).await.unwrap().is_probe());
    }

    #[tokio::test(start_paused = true)]
    async fn will_be_throttled_spaces_requests_over_the_rest_of_the_window() {
        let gate = Gate::new();
        gate.admit(Duration::ZERO)
            .await
            .unwrap()
            .record(Outcome::Answered {
                will_be_throttled: true,
                remaining: Some(4),
                reset_in: Some(2 * S),
            })
            .await;
        assert!(gate.status().slowed);
        let started = Instant::now();
        let mut at = Vec::new();
        for _ in 0..4 {
            drop(gate.admit(10 * S).await.unwrap());
            at.push((Instant::now() - started).as_millis());
        }
        assert_eq!(at, [0, 500, 1000, 1500]);
        // A caller that will not wait is held back.
        assert!(matches!(
            gate.admit(Duration::ZERO).await,
            Err(Held::RateLimited { .. })
        ));
        // After the window, requests go at once again.
        tokio::time::sleep(3 * S).await;
        let started = Instant::now();
        drop(gate.admit(Duration::ZERO).await.unwrap());
        drop(gate.admit(Duration::ZERO).await.unwrap());
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert!(!gate.status().slowed);
    }

    /// A shared store that answers its first read and fails the others, counting them.
    struct Flaky {
        reads: std::sync::atomic::AtomicU32,
        until: Mutex<Option<SystemTime>>,
    }

    impl PauseStore for Flaky {
        fn pause_until(&self, until: SystemTime) -> PauseFuture<'_, ()> {
            *self.until.lock().unwrap() = Some(until);
            Box::pin(std::future::ready(Ok(())))
        }

        fn paused_until(&self) -> PauseFuture<'_, Option<SystemTime>> {
            let reads = self.reads.fetch_add(1, Ordering::SeqCst);
            let answer = if reads == 0 {
                Ok(*self.until.lock().unwrap())
            } else {
                Err(QueueError::TimedOut(Duration::from_millis(500)))
            };
            Box::pin(std::future::ready(answer))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_shared_pause_is_honoured_and_a_failing_store_is_left_alone_for_a_while() {
        let store = Arc::new(Flaky {
            reads: std::sync::atomic::AtomicU32::new(0),
            until: Mutex::new(Some(SystemTime::now() + 60 * S)),
        });
        let gate = Gate::shared(store.clone(), GateSettings::default());
        // Another replica's pause, read from the store.
        let held = gate.admit(Duration::ZERO).await.unwrap_err();
        assert!(matches!(held, Held::RateLimited { .. }), "{held:?}");
        // The store now fails: requests go on with what this process knows, and the store is
        // asked again only after a cool-down.
        let fresh = Gate::shared(store.clone(), GateSettings::default());
        for _ in 0..10 {
            drop(fresh.admit(Duration::ZERO).await.unwrap());
        }
        assert_eq!(store.reads.load(Ordering::SeqCst), 2);
        tokio::time::sleep(SHARED_COOL_DOWN).await;
        drop(fresh.admit(Duration::ZERO).await.unwrap());
        assert_eq!(store.reads.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn held_reads_as_a_reason() {
        let held = Held::CircuitOpen {
            retry_in: Duration::from_millis(1500),
        };
        assert_eq!(
            held.to_string(),
            "Channel is failing (circuit breaker open); the next probe is in 1.5 s"
        );
        assert_eq!(held.retry_in(), Duration::from_millis(1500));
    }
}
