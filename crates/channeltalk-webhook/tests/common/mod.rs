//! Shared by the integration tests: the JSON fixtures under `tests/fixtures/`.

#![allow(dead_code)] // each test binary uses part of it

use bytes::Bytes;
use channeltalk_webhook::Event;

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
