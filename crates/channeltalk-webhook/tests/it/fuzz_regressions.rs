//! Inputs found by the fuzz targets under `fuzz/` (see `docs/reliability.md`, "Fuzzing").
//!
//! Each finding has a test of what must hold (never a panic, the right status) and a test of
//! the fixed behaviour.

use channeltalk_webhook::bytes::Bytes;
use channeltalk_webhook::http::StatusCode;
use channeltalk_webhook::{Event, ParseError, Receiver, WebhookToken};

fn status(body: &'static [u8]) -> StatusCode {
    let receiver = Receiver::new(WebhookToken::new("t0k").unwrap());
    let request = http::Request::post("/?token=t0k")
        .body(http_body_util::Full::new(Bytes::from_static(body)))
        .unwrap();
    let response =
        channeltalk_webhook::testing::block_on(receiver.handle(request, &|_: Event| async {}));
    response.status()
}

// F1: a body that is neither JSON nor an object was reported as `NotObject` ("body is JSON but
// not an object"). Found by `envelope`, minimised by `cargo fuzz tmin` to `""}`.
const NOT_JSON_NOT_OBJECT: [&[u8]; 4] = [b"\"\"}", b"[", b"[1,", b"1 x"];

#[test]
fn f1_truncated_or_trailing_garbage_non_objects_are_400() {
    for body in NOT_JSON_NOT_OBJECT {
        assert!(Event::parse(body).is_err(), "{body:?}");
        assert_eq!(status(body), StatusCode::BAD_REQUEST, "{body:?}");
    }
}

#[test]
fn f1_a_body_that_is_not_json_is_not_json() {
    for body in NOT_JSON_NOT_OBJECT {
        assert!(
            matches!(Event::parse(body), Err(ParseError::NotJson(_))),
            "{body:?}: {:?}",
            Event::parse(body).err()
        );
    }
    // Valid JSON that is not an object is still NotObject, deep nesting included.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for body in [
        b"[]".to_vec(),
        b"\"\"".to_vec(),
        b"1".to_vec(),
        deep.into_bytes(),
    ] {
        assert!(matches!(Event::parse(body), Err(ParseError::NotObject)));
    }
}

// F2: `Event::parse` accepts every syntactically valid JSON object, but `to_json()` builds a
// `serde_json::Value`, which refuses numbers beyond f64, lone surrogate escapes and nesting
// deeper than 128: for those accepted events `to_json()` returned `Value::Null`. Found by
// `envelope` (a `"\ud800"` value); the three shapes below are hand-minimised.
fn f2_bodies() -> Vec<String> {
    vec![
        r#"{"a":1e999}"#.to_owned(),
        r#"{"a":"\ud800"}"#.to_owned(),
        format!(r#"{{"a":{}{}}}"#, "[".repeat(200), "]".repeat(200)),
    ]
}

#[test]
fn f2_bodies_serde_json_cannot_hold_are_accepted_deliveries() {
    for body in f2_bodies() {
        let event = Event::parse(body.clone()).expect("a JSON object is an event");
        assert_eq!(event.body().as_ref(), body.as_bytes());
        // Serializing writes the body back as it came.
        assert_eq!(serde_json::to_string(&event).unwrap(), body);
        let leaked: &'static [u8] = Box::leak(body.into_bytes().into_boxed_slice());
        assert_eq!(status(leaked), StatusCode::OK);
    }
}

#[test]
fn f2_to_json_of_an_accepted_event_is_an_object_or_an_error_never_a_silent_null() {
    for body in f2_bodies() {
        let event = Event::parse(body.clone()).unwrap();
        assert!(event.to_json().is_err(), "{body}");
    }
    let event = Event::parse(r#"{"a":1}"#).unwrap();
    assert!(event.to_json().unwrap().is_object());
}
