//! `FailOpen`: a store that cannot answer never stops a delivery; each failure is counted,
//! and one warning is logged per outage.

mod common;

use std::sync::atomic::Ordering;

use channeltalk_webhook::MemoryStore;
use channeltalk_webhook::metrics::STORE_FAILURES_METRIC;
use channeltalk_webhook::store::{FailOpen, Recorded};
use common::{Flaky, ready_now, with_logs};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

#[test]
fn a_failing_store_goes_on_and_warns_once_per_outage() {
    let flaky = Flaky::default();
    let guard = FailOpen::new(flaky.clone());
    let logs = with_logs(|| {
        assert_eq!(ready_now(guard.record("a")), Recorded::First);
        flaky.down.store(true, Ordering::SeqCst);
        // Down: every delivery goes on, even a repeated one, with one warning.
        for _ in 0..3 {
            assert_eq!(ready_now(guard.record("a")), Recorded::First);
        }
        assert_eq!(ready_now(guard.clone().record("b")), Recorded::First);
        flaky.down.store(false, Ordering::SeqCst);
        assert_eq!(ready_now(guard.record("a")), Recorded::Repeat);
        assert_eq!(ready_now(guard.record("a")), Recorded::Repeat);
        // A second outage warns again.
        flaky.down.store(true, Ordering::SeqCst);
        assert_eq!(ready_now(guard.record("a")), Recorded::First);
        assert_eq!(ready_now(guard.record("a")), Recorded::First);
    });
    assert_eq!(flaky.calls.load(Ordering::SeqCst), 9);
    assert_eq!(logs.count(" WARN "), 2, "{}", logs.text());
    assert_eq!(logs.count("message id store cannot answer"), 2);
    assert_eq!(logs.count("message id store answers again"), 1);
    assert!(
        logs.text().contains("could not answer: refused"),
        "the warning carries the cause: {}",
        logs.text()
    );
}

#[test]
fn a_failed_forget_is_counted_and_goes_on() {
    let flaky = Flaky::default();
    let guard = FailOpen::new(flaky.clone());
    assert_eq!(ready_now(guard.record("a")), Recorded::First);
    flaky.down.store(true, Ordering::SeqCst);
    let logs = with_logs(|| ready_now(guard.forget("a")));
    assert!(
        logs.text().contains("did not answer within"),
        "{}",
        logs.text()
    );
    flaky.down.store(false, Ordering::SeqCst);
    // Not forgotten: the store could not be told.
    assert_eq!(ready_now(guard.record("a")), Recorded::Repeat);
    ready_now(guard.forget("a"));
    assert_eq!(ready_now(guard.record("a")), Recorded::First);
}

#[test]
fn a_store_that_answers_logs_nothing() {
    let guard = FailOpen::new(MemoryStore::default());
    let logs = with_logs(|| {
        assert_eq!(ready_now(guard.record("a")), Recorded::First);
        assert_eq!(ready_now(guard.record("a")), Recorded::Repeat);
    });
    assert_eq!(logs.text(), "");
}

#[test]
fn every_failure_is_counted() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let flaky = Flaky::default();
    let guard = FailOpen::new(flaky.clone());
    metrics::with_local_recorder(&recorder, || {
        assert_eq!(ready_now(guard.record("a")), Recorded::First);
        flaky.down.store(true, Ordering::SeqCst);
        for _ in 0..3 {
            assert_eq!(ready_now(guard.record("a")), Recorded::First);
        }
    });
    let counters: Vec<_> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| (key.key().name().to_owned(), value))
        .collect();
    assert_eq!(
        counters,
        [(STORE_FAILURES_METRIC.to_owned(), DebugValue::Counter(3))]
    );
}
