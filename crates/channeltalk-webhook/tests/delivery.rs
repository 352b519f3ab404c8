//! What the receiver tells about each delivery: one outcome counted per delivery whatever the
//! way in, the handler's run time, one span with the message id, chat type and outcome (never
//! the token), and the message id store used fail-open, a panicked handler's id forgotten.

mod common;

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use channeltalk_webhook::metrics::{
    DELIVERIES_METRIC, HANDLER_DURATION_METRIC, Outcome, STORE_FAILURES_METRIC,
};
use channeltalk_webhook::testing::{ChannelView, SampleEvent, block_on};
use channeltalk_webhook::{
    Event, MemoryStore, QuickReply, Receiver, Reply, WebhookToken, sync_handler,
};
use common::{Flaky, with_logs};
use http::{Request, StatusCode};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

const TOKEN: &str = "s3cr3t-token-value";

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap()).body_limit(4096)
}

fn target() -> String {
    format!("/webhook?token={TOKEN}")
}

/// Answers "echo: T" to a text, nothing to anything else, and panics on the text "panic".
fn echo() -> impl channeltalk_webhook::Handler {
    sync_handler(|event: Event| -> Reply {
        let Some(text) = event.message().and_then(|message| message.text()) else {
            return Reply::Ack;
        };
        assert!(text != "panic", "the handler was asked to panic");
        QuickReply::new().text(format!("echo: {text}")).into()
    })
}

/// Counter values by (name, outcome or status label), and histogram sample counts by name.
fn snapshot(snapshotter: &Snapshotter) -> BTreeMap<(String, String), u64> {
    let mut values = BTreeMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let label = key
            .key()
            .labels()
            .map(|label| label.value().to_owned())
            .collect::<Vec<_>>()
            .join(",");
        let count = match value {
            DebugValue::Counter(count) => count,
            DebugValue::Histogram(samples) => samples.len() as u64,
            DebugValue::Gauge(_) => continue,
        };
        values.insert((key.key().name().to_owned(), label), count);
    }
    values
}

fn deliveries(counts: &BTreeMap<(String, String), u64>) -> BTreeMap<String, u64> {
    counts
        .iter()
        .filter(|((name, _), _)| name == DELIVERIES_METRIC)
        .map(|((_, label), count)| (label.clone(), *count))
        .collect()
}

fn post(body: impl Into<String>) -> Request<String> {
    Request::post(target()).body(body.into()).unwrap()
}

/// One request for every outcome.
fn one_of_each() -> Vec<(Outcome, Request<String>)> {
    let repeated = SampleEvent::user_message("again").id("repeated");
    vec![
        (
            Outcome::Replied,
            SampleEvent::user_message("hi").request(&target()),
        ),
        (
            Outcome::Acknowledged,
            SampleEvent::user_chat_opened().request(&target()),
        ),
        (
            Outcome::BotMessage,
            SampleEvent::bot_message("echo: hi").request(&target()),
        ),
        (Outcome::Replied, repeated.request(&target())),
        (Outcome::Duplicate, repeated.request(&target())),
        (
            Outcome::Unauthorized,
            Request::post("/webhook?token=guess")
                .body("{}".into())
                .unwrap(),
        ),
        (Outcome::TooLarge, post(" ".repeat(5000))),
        (Outcome::Malformed, post("[1]")),
        (
            Outcome::WrongMethod,
            Request::get(target()).body(String::new()).unwrap(),
        ),
        (
            Outcome::HandlerPanicked,
            SampleEvent::user_message("panic")
                .id("panicking")
                .request(&target()),
        ),
    ]
}

#[test]
fn every_delivery_is_counted_once_with_its_outcome() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let receiver = receiver().deduplication(MemoryStore::default());
    let cases = one_of_each();
    metrics::with_local_recorder(&recorder, || {
        for (outcome, request) in cases {
            let response = block_on(receiver.handle(request, &echo()));
            let expected = match outcome {
                Outcome::Replied | Outcome::Acknowledged => StatusCode::OK,
                Outcome::BotMessage | Outcome::Duplicate => StatusCode::OK,
                Outcome::Unauthorized => StatusCode::UNAUTHORIZED,
                Outcome::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                Outcome::Malformed => StatusCode::BAD_REQUEST,
                Outcome::WrongMethod => StatusCode::METHOD_NOT_ALLOWED,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            assert_eq!(response.status(), expected, "{outcome}");
        }
    });
    let counts = snapshot(&snapshotter);
    let expected: BTreeMap<String, u64> = Outcome::ALL
        .iter()
        .map(|outcome| {
            let times = if *outcome == Outcome::Replied { 2 } else { 1 };
            (outcome.label().to_owned(), times)
        })
        .collect();
    assert_eq!(deliveries(&counts), expected);
    // The handler ran for the two replies, the acknowledgement and the panic.
    let durations = (HANDLER_DURATION_METRIC.to_owned(), String::new());
    assert_eq!(counts.get(&durations), Some(&4), "{counts:?}");
}

#[test]
fn the_step_by_step_and_extractor_ways_count_what_the_core_decides() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let receiver = receiver().body_limit(8);
    let query = format!("token={TOKEN}");
    metrics::with_local_recorder(&recorder, || {
        // Refused while the body streams in: counted by the collector.
        let mut body = receiver.begin("POST", Some(&query), None).unwrap();
        body.push(Bytes::from_static(b"{}")).unwrap();
        assert!(body.push(Bytes::from(vec![b' '; 7])).is_err());
        // Refused from the head.
        assert!(receiver.begin("PUT", Some(&query), None).is_err());
        assert!(receiver.begin("POST", Some(&query), Some(9)).is_err());
        // Extracted, then the handler called by the caller.
        let event = block_on(receiver.extract("POST", Some(&query), Some(2), "{}".to_owned()));
        let response = block_on(receiver.call(&echo(), event.unwrap()));
        assert_eq!(response.status(), StatusCode::OK);
        // An unreadable body counts as malformed.
        let failing = http_body_util::StreamBody::new(futures_util::stream::iter([Err::<
            http_body::Frame<Bytes>,
            _,
        >(
            io::Error::other("connection reset"),
        )]));
        assert!(block_on(receiver.extract("POST", Some(&query), None, failing)).is_err());
    });
    let counts = deliveries(&snapshot(&snapshotter));
    let expected: BTreeMap<String, u64> = [
        ("too_large", 2),
        ("wrong_method", 1),
        ("acknowledged", 1),
        ("malformed", 1),
    ]
    .into_iter()
    .map(|(label, count)| (label.to_owned(), count))
    .collect();
    assert_eq!(counts, expected);
}

#[test]
fn each_delivery_has_one_span_with_its_message_id_chat_type_and_outcome() {
    let receiver = receiver().deduplication(MemoryStore::default());
    let logs = with_logs(|| {
        for (_, request) in one_of_each() {
            block_on(receiver.handle(request, &echo()));
        }
        let team = SampleEvent::user_message("hi").in_team_chat().id("team-1");
        block_on(receiver.handle(team.request(&target()), &echo()));
    })
    .text();
    let closed: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("webhook_delivery{") && line.contains(" close "))
        .collect();
    assert_eq!(closed.len(), one_of_each().len() + 1, "{logs}");
    for outcome in Outcome::ALL {
        let label = format!("outcome=\"{}\"", outcome.label());
        let plain = format!("outcome={}", outcome.label());
        assert!(
            closed
                .iter()
                .any(|line| line.contains(&label) || line.contains(&plain)),
            "no closed span with {label}:\n{logs}"
        );
    }
    let duplicate = closed
        .iter()
        .find(|line| line.contains("duplicate"))
        .unwrap();
    assert!(duplicate.contains("repeated"), "{duplicate}");
    assert!(duplicate.contains("userChat"), "{duplicate}");
    assert!(
        closed
            .iter()
            .any(|line| line.contains("team-1") && line.contains("group")),
        "{logs}"
    );
    // The handler's own log lines (the panic) carry the message's span.
    assert!(
        logs.lines()
            .any(|line| line.contains("webhook_delivery{") && line.contains("panicked")),
        "{logs}"
    );
    assert!(!logs.contains(TOKEN), "{logs}");
}

#[test]
fn a_store_that_cannot_answer_never_fails_a_delivery() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let store = Flaky::default();
    let receiver = receiver().deduplication(store.clone());
    let hi = SampleEvent::user_message("hi").id("m-down");
    metrics::with_local_recorder(&recorder, || {
        assert_eq!(
            ChannelView::from_response(&block_on(receiver.handle(hi.request(&target()), &echo())))
                .texts(),
            ["echo: hi"]
        );
        store.down.store(true, Ordering::SeqCst);
        // Down: the repeat is handled again (a possible duplicate beats a lost answer).
        for _ in 0..2 {
            let response = block_on(receiver.handle(hi.request(&target()), &echo()));
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(ChannelView::from_response(&response).texts(), ["echo: hi"]);
        }
        store.down.store(false, Ordering::SeqCst);
        let response = block_on(receiver.handle(hi.request(&target()), &echo()));
        assert!(ChannelView::from_response(&response).texts().is_empty());
    });
    let counts = snapshot(&snapshotter);
    let failures = (STORE_FAILURES_METRIC.to_owned(), String::new());
    assert_eq!(counts.get(&failures), Some(&2), "{counts:?}");
    let by_outcome = deliveries(&counts);
    assert_eq!(by_outcome.get("replied"), Some(&3));
    assert_eq!(by_outcome.get("duplicate"), Some(&1));
}

#[test]
fn a_panicked_handler_leaves_its_message_to_the_next_delivery() {
    let store = Flaky::default();
    let receiver = receiver().deduplication(store.clone());
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let fails_once = sync_handler(move |event: Event| -> Reply {
        let first = counted.fetch_add(1, Ordering::SeqCst) == 0;
        assert!(!first, "the first attempt fails");
        let text = event.message().and_then(|message| message.text());
        QuickReply::new()
            .text(format!("echo: {}", text.unwrap()))
            .into()
    });
    let hi = SampleEvent::user_message("hi").id("m-panic");
    let response = block_on(receiver.handle(hi.request(&target()), &fails_once));
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(store.forgotten.load(Ordering::SeqCst), 1);
    // Channel delivers it again: handled, then a later repeat is a repeat.
    let response = block_on(receiver.handle(hi.request(&target()), &fails_once));
    assert_eq!(ChannelView::from_response(&response).texts(), ["echo: hi"]);
    let response = block_on(receiver.handle(hi.request(&target()), &fails_once));
    assert!(ChannelView::from_response(&response).texts().is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // Without deduplication nothing is recorded, so nothing is forgotten.
    let plain = self::receiver();
    let response = block_on(plain.handle(hi.request(&target()), &fails_once));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(store.forgotten.load(Ordering::SeqCst), 1);
}
