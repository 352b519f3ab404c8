//! What the integration tests share: requests sent as raw HTTP (to check what the fake Channel
//! refuses, which the typed client cannot even send) and the fixtures.

#![allow(dead_code)]

use std::time::Duration;

use channeltalk_api::testing::{FAKE_ACCESS_KEY, FAKE_ACCESS_SECRET, FakeChannel, RecordedRequest};
use serde_json::Value;

/// The last request the fake received.
pub fn last(fake: &FakeChannel) -> RecordedRequest {
    fake.requests().pop().expect("a request was made")
}

/// Sends `method path_and_query` with the fake's credentials and `body` (JSON), with a
/// timeout; returns the status and the JSON answer (`Null` when empty).
pub async fn raw(
    fake: &FakeChannel,
    method: &str,
    path_and_query: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .no_proxy()
        .build()
        .expect("a reqwest client");
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = http
        .request(method, format!("{}{path_and_query}", fake.base_url()))
        .header("x-access-key", FAKE_ACCESS_KEY)
        .header("x-access-secret", FAKE_ACCESS_SECRET);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let answer = request.send().await.expect("the fake answers");
    let status = answer.status().as_u16();
    let text = answer.text().await.expect("the whole answer");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A fixture of `tests/fixtures`, as text.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}
