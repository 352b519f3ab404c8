//! Drift is logged at `warn`, once per kind and reason.
//!
//! In a test binary of its own: `tracing` caches whether a call site is listened to, and a
//! test on another thread hitting the same call sites without a subscriber could make this
//! test's scoped subscriber miss them.

use std::sync::{Arc, Mutex};

use channeltalk_webhook::testing::{SampleEvent, block_on};
use channeltalk_webhook::{Receiver, WebhookToken};

/// A log writer that keeps every line in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn drift_is_logged_at_warn_once_per_kind_and_reason() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let drifted = SampleEvent::user_message("hi")
        .with("/entity/version", serde_json::json!("drift-test-version"))
        .body();
    let unknown = SampleEvent::user_message("hi")
        .kind("drift-test-type")
        .body();
    let receiver = Receiver::new(WebhookToken::new("s3cr3t").unwrap());
    for _ in 0..3 {
        for body in [&drifted, &unknown] {
            // Delivered to the handler all the same, without a message to read.
            let event = block_on(receiver.accept(body.clone().into())).unwrap();
            assert_eq!(event.text(), None);
        }
    }
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    let warnings = |needle: &str| {
        log.lines()
            .filter(|line| line.contains("WARN") && line.contains(needle))
            .count()
    };
    assert_eq!(warnings("drift-test-version"), 1, "{log}");
    assert_eq!(warnings("drift-test-type"), 1, "{log}");
    assert!(
        log.contains("unparsed message") && log.contains("other entity"),
        "{log}"
    );
}
