//! What the jobs' integration tests share: a delivered message, and waiting on Tokio's clock.

#![allow(dead_code)] // each test file uses its own part

use std::time::Duration;

use channeltalk_webhook::Event;
use channeltalk_webhook::testing::SampleEvent;

/// A user's message with this message id.
pub fn event(id: &str) -> Event {
    Event::parse(SampleEvent::user_message("hi").id(id).body()).unwrap()
}

/// Waits on Tokio's clock (paused or not) until `check` holds; a guard against a hung test
/// (two minutes of that clock), not a timing.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
