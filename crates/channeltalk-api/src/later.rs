//! Answering later: acknowledge a delivery at once, do the slow work in the background, and
//! let a shutdown wait for that work instead of dropping it.
//!
//! Channel does not say how long it waits for a webhook's answer, so a bot whose answer takes
//! time (a model call, a slow service) answers the delivery with a plain 200 at once and posts
//! its answer afterwards through the Open API. That background work must survive a rolling
//! deploy: when the process is told to stop (`SIGTERM`, `SIGINT`), it stops taking deliveries,
//! waits — for a bounded time — for the answers still in flight, then exits.
//!
//! Three pieces, on tokio-util's [`TaskTracker`] and [`CancellationToken`]:
//!
//! - [`Later`]: hands work to a tracked background task ([`Later::spawn`]); cheap to clone
//!   into every handler.
//! - [`ShutdownSignal`]: the `SIGTERM` / `SIGINT` future to give your server's graceful
//!   shutdown (for axum, `with_graceful_shutdown`).
//! - [`Later::drain`]: once the server has stopped, waits for the tracked work, at most a
//!   given time, and reports what was left ([`DrainReport`]).
//!
//! ```no_run
//! use std::time::Duration;
//! use channeltalk_api::later::{Later, ShutdownSignal};
//!
//! # async fn post_the_answer() {}
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     // Install the handlers first: a SIGTERM that arrives before them would kill the process.
//!     let signal = ShutdownSignal::install()?;
//!     let later = Later::new();
//!
//!     // In a webhook handler: start the work, return the acknowledgement at once.
//!     later.spawn(async { post_the_answer().await });
//!
//!     // Serve until a signal (with axum: `axum::serve(..).with_graceful_shutdown(..)`).
//!     let received = signal.wait().await;
//!     eprintln!("{received}: no new deliveries; {} answers in flight", later.pending());
//!     let report = later.drain(Duration::from_secs(30)).await;
//!     eprintln!("{report}");
//!     Ok(())
//! }
//! ```
//!
//! # Guarantees and limits
//!
//! Work spawned through [`Later`] runs to its end unless the drain's time runs out first or the
//! process dies without running the drain: `SIGKILL`, a crash, a machine lost. Work still
//! running when the process exits is lost — the delivery was already acknowledged, so Channel
//! will not send it again. Keep the drain timeout below your platform's grace period (30 s by
//! default on Kubernetes, 10 s on `docker stop`), or the platform's `SIGKILL` comes first.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tokio_util::task::TaskTracker;

/// Background work that outlives the webhook's response, tracked so that a shutdown can wait
/// for it.
///
/// Cloning is cheap and every clone tracks the same work: give one to each handler.
///
/// ```
/// use std::time::Duration;
/// use channeltalk_api::later::Later;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let later = Later::new();
/// let (sent, received) = tokio::sync::oneshot::channel();
/// later.spawn(async move {
///     // A slow answer, posted after the delivery was acknowledged.
///     let _ = sent.send("echo: hi");
/// });
/// let report = later.drain(Duration::from_secs(5)).await;
/// assert!(report.is_complete());
/// assert_eq!(received.await.unwrap(), "echo: hi");
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Later {
    tracker: TaskTracker,
    stopping: CancellationToken,
}

impl Later {
    /// Nothing tracked yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `work` in a background task on the current tokio runtime, tracked until it ends,
    /// and returns at once.
    ///
    /// Work spawned during a drain is tracked too (an answer started by a delivery the server
    /// was still finishing is waited for).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, like [`tokio::spawn`].
    pub fn spawn<F>(&self, work: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tracker.spawn(work)
    }

    /// How many spawned tasks have not ended yet.
    pub fn pending(&self) -> usize {
        self.tracker.len()
    }

    /// Whether a drain has started: long work may check it to cut optional steps short.
    pub fn is_stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }

    /// Completes when a drain starts (see [`Later::is_stopping`]), to `select!` on in long work.
    pub fn stopping(&self) -> WaitForCancellationFutureOwned {
        self.stopping.clone().cancelled_owned()
    }

    /// Waits for every tracked task to end, at most `timeout`, and says what was left.
    ///
    /// Call it once the server has stopped taking deliveries. Tasks still running at the
    /// deadline are not stopped here: they end with the runtime, when the process exits,
    /// and their work is lost (the report counts them, and they are logged as an error).
    pub async fn drain(&self, timeout: Duration) -> DrainReport {
        let started = Instant::now();
        let pending_at_start = self.tracker.len();
        self.stopping.cancel();
        self.tracker.close();
        let finished = tokio::time::timeout(timeout, self.tracker.wait())
            .await
            .is_ok();
        let report = DrainReport {
            pending_at_start,
            left: if finished { 0 } else { self.tracker.len() },
            waited: started.elapsed(),
            timeout,
        };
        if report.is_complete() {
            tracing::info!(
                pending_at_start,
                waited_ms = report.waited.as_millis(),
                "background work drained"
            );
        } else {
            tracing::error!(
                left = report.left,
                timeout_ms = timeout.as_millis(),
                "background work still running when the drain timed out; it is lost on exit"
            );
        }
        report
    }
}

/// What a [`Later::drain`] did: how much work it waited for and how much was left.
///
/// Its `Display` is a sentence for the log: `drained 2 background tasks in 1.0 s` or
/// `1 background task still running after 30 s, lost on exit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DrainReport {
    /// Tasks running when the drain started.
    pub pending_at_start: usize,
    /// Tasks still running when the drain gave up (0 when it did not).
    pub left: usize,
    /// How long the drain waited.
    pub waited: Duration,
    /// The longest it would have waited.
    pub timeout: Duration,
}

impl DrainReport {
    /// Whether every tracked task ended within the timeout.
    pub fn is_complete(&self) -> bool {
        self.left == 0
    }
}

impl fmt::Display for DrainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tasks = |n: usize| {
            if n == 1 {
                "1 background task".to_owned()
            } else {
                format!("{n} background tasks")
            }
        };
        if self.is_complete() {
            write!(
                f,
                "drained {} in {:.1} s",
                tasks(self.pending_at_start),
                self.waited.as_secs_f64()
            )
        } else {
            write!(
                f,
                "{} still running after {:.1} s, lost on exit",
                tasks(self.left),
                self.timeout.as_secs_f64()
            )
        }
    }
}

/// Which signal asked the process to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopSignal {
    /// `SIGTERM`: what a platform sends to stop a process (Kubernetes, `docker stop`, systemd).
    Terminate,
    /// `SIGINT`: Ctrl-C in a terminal.
    Interrupt,
}

impl fmt::Display for StopSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopSignal::Terminate => "SIGTERM",
            StopSignal::Interrupt => "SIGINT",
        })
    }
}

/// The signals that ask the process to stop, `SIGTERM` and `SIGINT` (Ctrl-C on other
/// systems), installed when created.
///
/// Install it at start-up, before the server accepts anything: from then on these signals no
/// longer kill the process but complete [`ShutdownSignal::wait`].
#[derive(Debug)]
pub struct ShutdownSignal {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl ShutdownSignal {
    /// Installs the handlers.
    ///
    /// # Errors
    ///
    /// When the operating system refuses the handlers.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime with I/O enabled.
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(ShutdownSignal {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(ShutdownSignal {})
        }
    }

    /// Completes with the first stop signal received after [`ShutdownSignal::install`].
    pub async fn wait(self) -> StopSignal {
        #[cfg(unix)]
        {
            let ShutdownSignal {
                mut terminate,
                mut interrupt,
            } = self;
            tokio::select! {
                _ = terminate.recv() => StopSignal::Terminate,
                _ = interrupt.recv() => StopSignal::Interrupt,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                tracing::warn!("Ctrl-C cannot be watched; the process stops only when killed");
                std::future::pending::<()>().await;
            }
            StopSignal::Interrupt
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::oneshot;

    #[tokio::test]
    async fn drain_waits_for_work_spawned_before_and_during_it() {
        let later = Later::new();
        let (release, released) = oneshot::channel::<()>();
        let (done, finished) = oneshot::channel();
        let inner = later.clone();
        later.spawn(async move {
            released.await.ok();
            // Work started while the drain is already waiting is waited for too.
            inner.spawn(async move {
                done.send(()).ok();
            });
        });
        assert_eq!(later.pending(), 1);
        assert!(!later.is_stopping());
        let draining = tokio::spawn({
            let later = later.clone();
            async move { later.drain(Duration::from_secs(60)).await }
        });
        later.stopping().await;
        assert!(later.is_stopping());
        release.send(()).ok();
        let report = draining.await.unwrap();
        assert!(report.is_complete(), "{report}");
        assert_eq!((report.pending_at_start, report.left), (1, 0));
        finished.await.unwrap();
        assert_eq!(later.pending(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn drain_gives_up_at_its_timeout_and_counts_what_is_left() {
        let later = Later::new();
        later.spawn(std::future::pending::<()>());
        later.spawn(std::future::pending::<()>());
        later.spawn(async {});
        tokio::task::yield_now().await;
        let report = later.drain(Duration::from_secs(2)).await;
        assert!(!report.is_complete());
        assert_eq!(report.left, 2);
        assert_eq!(
            report.to_string(),
            "2 background tasks still running after 2.0 s, lost on exit"
        );
    }

    #[tokio::test]
    async fn an_empty_drain_is_complete_and_a_panicking_task_does_not_block_it() {
        let later = Later::new();
        let report = later.drain(Duration::from_secs(1)).await;
        assert!(report.is_complete());
        assert!(
            report
                .to_string()
                .starts_with("drained 0 background tasks in ")
        );
        let later = Later::new();
        let handle = later.spawn(async { panic!("handler bug") });
        assert!(handle.await.unwrap_err().is_panic());
        assert!(later.drain(Duration::from_secs(60)).await.is_complete());
    }

    #[test]
    fn reports_read_as_sentences() {
        let report = DrainReport {
            pending_at_start: 1,
            left: 0,
            waited: Duration::from_millis(1300),
            timeout: Duration::from_secs(30),
        };
        assert_eq!(report.to_string(), "drained 1 background task in 1.3 s");
        let left = DrainReport { left: 1, ..report };
        assert_eq!(
            left.to_string(),
            "1 background task still running after 30.0 s, lost on exit"
        );
        assert_eq!(StopSignal::Terminate.to_string(), "SIGTERM");
        assert_eq!(StopSignal::Interrupt.to_string(), "SIGINT");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn sigterm_completes_the_signal_future() {
        let signal = ShutdownSignal::install().unwrap();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &std::process::id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(signal.wait().await, StopSignal::Terminate);
    }
}
