//! The bound on every client exchange of the real-server test binaries.
//!
//! The raw client bounds each read (30 s) but not its connect, and a fault harness or a matrix
//! adds up hundreds of reads. [`guarded_blocking`] runs client code on a plain thread of its
//! own and fails the test, saying what was waiting, once [`GUARD`] has passed; the stuck thread
//! is left behind. Client code run by `spawn_blocking` under a timeout would not do that:
//! dropping a runtime waits for its blocking tasks, so the failed test would stay alive until
//! the stuck client ended. In [`guarded`] only the wait for the client's result is a blocking
//! task, and it ends within [`GUARD`] whatever the client does.
//!
//! [`GUARD`] only catches hangs: it is far above any normal run, and no test measures time.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

/// How long a test waits for a client exchange before failing as hung.
pub const GUARD: Duration = Duration::from_secs(60);

/// Runs client code `work` on a thread of its own and returns its result; a panic in it is
/// the test's. If it has not finished within [`GUARD`], the test fails, naming `what` was
/// waiting. Blocks the calling thread: from async tests use [`guarded`].
///
/// # Panics
///
/// When `work` panics (with its panic), or has not finished within [`GUARD`].
pub fn guarded_blocking<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done_tx, done_rx) = mpsc::channel();
    let client = thread::Builder::new()
        .name(format!("client: {what}"))
        .spawn(move || {
            let _ = done_tx.send(work());
        })
        .unwrap_or_else(|error| panic!("{what}: no thread for the client: {error}"));
    match done_rx.recv_timeout(GUARD) {
        Ok(value) => value,
        Err(RecvTimeoutError::Timeout) => panic!(
            "hang guard: {what}: still waiting for the server after {} s",
            GUARD.as_secs()
        ),
        // The sender is gone without a value: the thread panicked (and has ended).
        Err(RecvTimeoutError::Disconnected) => match client.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("{what}: the client thread ended without a result"),
        },
    }
}

/// [`guarded_blocking`] from an async test: the server on the test's runtime keeps running
/// while the client works.
///
/// # Panics
///
/// As [`guarded_blocking`].
pub async fn guarded<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let what = what.to_owned();
    match tokio::task::spawn_blocking(move || guarded_blocking(&what, work)).await {
        Ok(value) => value,
        Err(error) => match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the wait for the client: {error}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_comes_back_and_a_panic_is_the_callers() {
        assert_eq!(guarded_blocking("sum", || 1 + 1), 2);
        let panicked = std::panic::catch_unwind(|| guarded_blocking("boom", || panic!("boom")));
        assert!(panicked.is_err());
    }
}
