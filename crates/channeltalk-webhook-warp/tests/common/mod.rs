//! The bound on every client exchange of the real-server test binaries.
//!
//! The server runs on the test's tokio runtime, where nothing blocks; the raw client is
//! blocking and bounds each read (30 s) but not its connect, and a fault harness or a matrix
//! adds up hundreds of reads. [`guarded`] runs client code on a plain thread of its own and
//! fails the test, saying what was waiting, once [`GUARD`] has passed; the stuck thread is left
//! behind. Client code run by `spawn_blocking` under a timeout would not do that: dropping a
//! runtime waits for its blocking tasks, so the failed test would stay alive until the stuck
//! client ended. Only the wait for the client's result is a blocking task here, and it ends
//! within [`GUARD`] whatever the client does.
//!
//! [`GUARD`] only catches hangs: it is far above any normal run, and no test measures time.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

/// How long a test waits for a client exchange before failing as hung.
pub const GUARD: Duration = Duration::from_secs(60);

/// Runs client code `work` on a thread of its own and returns its result; a panic in it is
/// the test's. If it has not finished within [`GUARD`], the test fails, naming `what` was
/// waiting.
pub async fn guarded<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done_tx, done_rx) = mpsc::channel();
    let client = thread::Builder::new()
        .name(format!("client: {what}"))
        .spawn(move || {
            let _ = done_tx.send(work());
        })
        .expect("a thread for the client");
    let waited = tokio::task::spawn_blocking(move || done_rx.recv_timeout(GUARD))
        .await
        .expect("the wait for the client");
    match waited {
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
