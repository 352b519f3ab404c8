//! The delivery counter seen from an adapter: an adapter's reply type (the extractor way, where
//! the framework's own handler answers) must count each delivery as the core's handlers are
//! counted, so that `channeltalk_webhook_deliveries_total` does not depend on the way in.

use std::collections::BTreeMap;

use channeltalk_webhook::metrics::DELIVERIES_METRIC;
use channeltalk_webhook::{QuickReply, Reply};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// Runs `run` with a recorder of its own (on this thread) and returns its result with the
/// deliveries it counted, by outcome label.
pub fn deliveries_counted<R>(run: impl FnOnce() -> R) -> (R, BTreeMap<String, u64>) {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let result = metrics::with_local_recorder(&recorder, run);
    let mut counted = BTreeMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let (DebugValue::Counter(count), true) = (value, key.key().name() == DELIVERIES_METRIC)
        else {
            continue;
        };
        for label in key.key().labels() {
            *counted.entry(label.value().to_owned()).or_default() += count;
        }
    }
    (result, counted)
}

/// Checks that an adapter's reply type counts what it answers: `respond` turns a core
/// [`Reply`] into the framework's response through the adapter's reply type (as the framework
/// does with a handler's return value). A quick reply must count one `replied`, an
/// acknowledgement one `acknowledged`.
///
/// # Panics
///
/// When the counts differ, with both.
pub fn assert_replies_counted(respond: impl Fn(Reply)) {
    let ((), counted) = deliveries_counted(|| {
        respond(Reply::from(QuickReply::new().text("echo: hi")));
        respond(Reply::Ack);
    });
    let expected: BTreeMap<String, u64> =
        [("acknowledged".to_owned(), 1), ("replied".to_owned(), 1)]
            .into_iter()
            .collect();
    assert_eq!(
        counted, expected,
        "deliveries counted by the adapter's reply type"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_answer_counts_and_a_bare_conversion_does_not() {
        assert_replies_counted(|reply| drop(channeltalk_webhook::adapter::answer(reply)));
        let result = std::panic::catch_unwind(|| {
            assert_replies_counted(|reply| drop(reply.into_response()));
        });
        assert!(
            result.is_err(),
            "a response built without answer() is not counted"
        );
    }
}
