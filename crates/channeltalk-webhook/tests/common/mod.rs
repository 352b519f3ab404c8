//! Shared by the integration tests: the JSON fixtures under `tests/fixtures/`, a message id
//! store that can be made to fail, and a log capture.

#![allow(dead_code)] // each test binary uses part of it

use std::future::{Future, ready};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use channeltalk_webhook::store::{ForgetFuture, MessageIdStore, RecordFuture, StoreError};
use channeltalk_webhook::{Event, MemoryStore};
use futures_util::FutureExt;

/// The fixture `name` (without `.json`) as bytes.
pub fn fixture_body(name: &str) -> Bytes {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .into()
}

/// The fixture `name` parsed.
pub fn fixture(name: &str) -> Event {
    Event::parse(fixture_body(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A message id store that fails while `down` is set (a refused record, a timed-out forget)
/// and otherwise keeps ids in memory; counts what it was asked.
#[derive(Clone, Default)]
pub struct Flaky {
    pub down: Arc<AtomicBool>,
    /// Records and forgets, failed ones included.
    pub calls: Arc<AtomicUsize>,
    pub forgotten: Arc<AtomicUsize>,
    pub memory: MemoryStore,
}

impl MessageIdStore for Flaky {
    fn record<'a>(&'a self, id: &'a str) -> RecordFuture<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            let refused = io::Error::new(io::ErrorKind::ConnectionRefused, "refused");
            return Box::pin(ready(Err(StoreError::unavailable(refused))));
        }
        self.memory.record(id)
    }

    fn forget<'a>(&'a self, id: &'a str) -> ForgetFuture<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.forgotten.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return Box::pin(ready(Err(StoreError::TimedOut(Duration::from_millis(1)))));
        }
        self.memory.forget(id)
    }
}

/// The output of a future that is ready at once (the in-memory stores' are).
pub fn ready_now<T>(future: impl Future<Output = T>) -> T {
    future
        .now_or_never()
        .expect("in-memory futures are ready at once")
}

/// Everything a `fmt` subscriber wrote: events from `DEBUG` up, and a line per closed span
/// with its fields.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    pub fn count(&self, needle: &str) -> usize {
        self.text().matches(needle).count()
    }
}

/// Runs `run` with a subscriber writing into the returned [`Logs`].
pub fn with_logs(run: impl FnOnce()) -> Logs {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    tracing::subscriber::with_default(subscriber, run);
    logs
}
