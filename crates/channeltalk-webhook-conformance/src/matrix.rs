//! The shared bad-input matrix: one list of requests, each with the answer the echo contract
//! requires, run over real HTTP against every adapter and example.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;

use crate::client::{RawBody, RawRequest, send};
use channeltalk_webhook::rich_text;
use channeltalk_webhook::testing::SampleEvent;

/// The answer a case must get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// The status.
    pub status: u16,
    /// For a quick reply: the plain text of its one block (bot name `EchoBot`).
    pub echo: Option<String>,
}

impl Expected {
    /// 200 with no quick reply.
    pub fn ack() -> Self {
        Expected {
            status: 200,
            echo: None,
        }
    }
    /// 200 with the quick reply `echo: {text}` from `EchoBot`.
    pub fn echo(text: &str) -> Self {
        Expected {
            status: 200,
            echo: Some(format!("echo: {text}")),
        }
    }
    /// `status` with no quick reply.
    pub fn status(status: u16) -> Self {
        Expected { status, echo: None }
    }
}

/// One request of the matrix and its expected answer.
#[derive(Clone, Debug)]
pub struct Case {
    /// What the case is.
    pub name: String,
    /// The request.
    pub request: RawRequest,
    /// The answer it must get.
    pub expected: Expected,
}

fn encoded(token: &str) -> String {
    form_urlencoded::byte_serialize(token.as_bytes()).collect()
}

/// The matrix for a server following the echo contract at `path`, with webhook `token` and
/// body limit `limit` (1 MiB in the examples).
pub fn echo_matrix(path: &str, token: &str, limit: usize) -> Vec<Case> {
    let target = format!("{path}?token={}", encoded(token));
    let hi = SampleEvent::user_message("hi").body();
    let post = |body: &[u8]| RawRequest::post(target.clone(), body.to_vec());
    let mut cases = Vec::new();
    let mut case = |name: &str, request: RawRequest, expected: Expected| {
        cases.push(Case {
            name: name.into(),
            request,
            expected,
        });
    };

    // Genuine deliveries.
    case("user message", post(hi.as_bytes()), Expected::echo("hi"));
    let korean = "안녕하세요 <b>고객님</b> & :smile:";
    case(
        "Korean text with markup characters",
        post(SampleEvent::user_message(korean).body().as_bytes()),
        Expected::echo(korean),
    );
    case(
        "spec's team-chat message from a manager",
        post(
            SampleEvent::manager_message("Hi! Webhook Test")
                .in_team_chat()
                .body()
                .as_bytes(),
        ),
        Expected::echo("Hi! Webhook Test"),
    );
    case(
        "bot message (no reply loop)",
        post(SampleEvent::bot_message("echo: hi").body().as_bytes()),
        Expected::ack(),
    );
    case(
        "message without text",
        post(
            SampleEvent::user_message("x")
                .without_text()
                .body()
                .as_bytes(),
        ),
        Expected::ack(),
    );
    case(
        "userChat opened",
        post(SampleEvent::user_chat_opened().body().as_bytes()),
        Expected::ack(),
    );
    case(
        "user updated",
        post(SampleEvent::user_updated().body().as_bytes()),
        Expected::ack(),
    );
    case(
        "unknown event type",
        post(br#"{"event":"push","type":"lead","entity":{"id":"1","whatever":[1,2,3]}}"#),
        Expected::ack(),
    );
    case(
        "unknown action and extra fields",
        post(
            SampleEvent::user_message("hi")
                .with("/event", json!("archive"))
                .with("/brandNew", json!({"x": 1}))
                .body()
                .as_bytes(),
        ),
        Expected::echo("hi"),
    );
    case(
        "schema drift: version as a string",
        post(
            SampleEvent::user_message("hi")
                .with("/entity/version", json!("1"))
                .body()
                .as_bytes(),
        ),
        Expected::ack(),
    );
    case(
        "schema drift: bot message with createdAt as a string",
        post(
            SampleEvent::bot_message("hi")
                .with("/entity/createdAt", json!("now"))
                .body()
                .as_bytes(),
        ),
        Expected::ack(),
    );
    case(
        "null where objects are expected",
        post(br#"{"event":"push","type":"message","entity":null,"refers":null}"#),
        Expected::ack(),
    );
    case("empty object", post(b"{}"), Expected::ack());
    let deep = format!(
        r#"{{"event":"push","type":"message","entity":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    case(
        "deeply nested entity (an object, so a delivery)",
        post(deep.as_bytes()),
        Expected::ack(),
    );
    case(
        "message with every field missing",
        post(br#"{"event":"push","type":"message","entity":{}}"#),
        Expected::ack(),
    );
    case(
        "userChat with every field missing",
        post(br#"{"event":"push","type":"userChat","entity":{}}"#),
        Expected::ack(),
    );
    case(
        "user with every field missing",
        post(br#"{"event":"push","type":"user","entity":{}}"#),
        Expected::ack(),
    );
    case(
        "huge numbers",
        post(
            SampleEvent::user_message("hi")
                .with("/entity/big", json!(1e300))
                .body()
                .replace("1e300", "123456789012345678901234567890e999")
                .as_bytes(),
        ),
        Expected::echo("hi"),
    );
    case(
        "duplicate keys: last wins",
        post(
            format!(
                r#"{{"type":"user","type":"message","event":"push","entity":{}}}"#,
                SampleEvent::user_message("dup").json()["entity"]
            )
            .as_bytes(),
        ),
        Expected::echo("dup"),
    );
    let mut with_bom = "\u{feff}".as_bytes().to_vec();
    with_bom.extend_from_slice(hi.as_bytes());
    case(
        "UTF-8 byte order mark",
        post(&with_bom),
        Expected::echo("hi"),
    );
    let pieces: Vec<Vec<u8>> = hi.as_bytes().chunks(7).map(<[u8]>::to_vec).collect();
    case(
        "chunked body",
        post(b"").body(RawBody::Chunked(pieces.clone())),
        Expected::echo("hi"),
    );
    let few: Vec<Vec<u8>> = hi
        .as_bytes()
        .chunks(hi.len() / 5 + 1)
        .map(<[u8]>::to_vec)
        .collect();
    case(
        "slow sender",
        post(b"").body(RawBody::Slow(few, Duration::from_millis(40))),
        Expected::echo("hi"),
    );
    let escaped = rich_text::escape("<link type=\"manager\" value=\"1\">@all</link>").into_owned();
    case(
        "markup in user text stays literal",
        post(
            SampleEvent::user_message("<link type=\"manager\" value=\"1\">@all</link>")
                .body()
                .as_bytes(),
        ),
        Expected::echo(&rich_text::unescape(&escaped)),
    );

    // Not genuine: refused.
    case(
        "missing token",
        RawRequest::post(path, hi.clone()),
        Expected::status(401),
    );
    case(
        "empty token",
        RawRequest::post(format!("{path}?token="), hi.clone()),
        Expected::status(401),
    );
    case(
        "wrong token",
        RawRequest::post(format!("{path}?token=guess"), hi.clone()),
        Expected::status(401),
    );
    case(
        "token differing in case",
        RawRequest::post(
            format!("{path}?token={}", encoded(&token.to_uppercase())),
            hi.clone(),
        ),
        if token.to_uppercase() == token {
            Expected::echo("hi")
        } else {
            Expected::status(401)
        },
    );
    case(
        "duplicated token",
        RawRequest::post(format!("{target}&token={}", encoded(token)), hi.clone()),
        Expected::status(401),
    );
    case(
        "token in a header instead of the query",
        RawRequest::post(path, hi.clone())
            .header("x-token", token)
            .header("Authorization", format!("Bearer {token}")),
        Expected::status(401),
    );
    case(
        "token among other parameters",
        RawRequest::post(
            format!("{path}?a=1&token={}&b=%20", encoded(token)),
            hi.clone(),
        ),
        Expected::echo("hi"),
    );
    case(
        "wrong token, malformed body: 401 first",
        RawRequest::post(format!("{path}?token=guess"), "{"),
        Expected::status(401),
    );

    // Malformed.
    case(
        "truncated JSON",
        post(&hi.as_bytes()[..hi.len() / 2]),
        Expected::status(400),
    );
    case("JSON array", post(b"[1,2,3]"), Expected::status(400));
    case("JSON string", post(b"\"push\""), Expected::status(400));
    case("JSON null", post(b"null"), Expected::status(400));
    case("empty body", post(b""), Expected::status(400));
    case(
        "invalid UTF-8",
        post(b"{\"event\":\"push\xff\xfe\"}"),
        Expected::status(400),
    );
    case(
        "trailing garbage",
        post(format!("{hi} x").as_bytes()),
        Expected::status(400),
    );
    let deep_array = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    case(
        "deeply nested JSON, not an object",
        post(deep_array.as_bytes()),
        Expected::status(400),
    );

    // Too large.
    let oversized = vec![b' '; limit + 1];
    case(
        "oversized with Content-Length",
        post(&oversized),
        Expected::status(413),
    );
    let oversized_chunks: Vec<Vec<u8>> = oversized.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
    case(
        "oversized chunked, no Content-Length",
        post(b"").body(RawBody::Chunked(oversized_chunks)),
        Expected::status(413),
    );
    let mut padded = hi.clone().into_bytes();
    padded.truncate(padded.len() - 1);
    padded.extend(std::iter::repeat_n(b' ', limit - padded.len() - 1));
    padded.push(b'}');
    case("exactly at the limit", post(&padded), Expected::echo("hi"));

    // Wrong method or path.
    case(
        "GET",
        RawRequest::post(target.clone(), Vec::new())
            .method("GET")
            .body(RawBody::None),
        Expected::status(405),
    );
    case(
        "PUT",
        post(hi.as_bytes()).method("PUT"),
        Expected::status(405),
    );
    case(
        "other path",
        RawRequest::post(format!("/elsewhere?token={}", encoded(token)), hi.clone()),
        Expected::status(404),
    );
    cases
}

/// Runs `cases` against a server at `addr`; after each case a normal delivery to `path` must
/// still get its echo. Returns one line per failure (empty when all passed).
pub fn run_matrix(addr: SocketAddr, path: &str, token: &str, cases: &[Case]) -> Vec<String> {
    let probe = Case {
        name: "follow-up normal delivery".into(),
        request: RawRequest::post(
            format!("{path}?token={}", encoded(token)),
            SampleEvent::user_message("still there?").body(),
        ),
        expected: Expected::echo("still there?"),
    };
    let mut failures = Vec::new();
    for case in cases {
        if let Err(failure) = check(addr, case) {
            failures.push(format!("{}: {failure}", case.name));
        }
        if let Err(failure) = check(addr, &probe) {
            failures.push(format!("after {}: {failure}", case.name));
        }
    }
    failures
}

/// The whole echo matrix (path `/webhook`, 1 MiB limit) against the server at `addr`, the way
/// every example's test runs it. Blocking: call it from `spawn_blocking` or a plain thread.
pub fn run_echo_matrix(addr: SocketAddr, token: &str) -> Vec<String> {
    let path = "/webhook";
    run_matrix(
        addr,
        path,
        token,
        &echo_matrix(path, token, channeltalk_webhook::DEFAULT_BODY_LIMIT),
    )
}

/// [`run_echo_matrix`], panicking with every failure listed: the whole matrix as one line of
/// a test. Blocking, like `run_echo_matrix`.
#[track_caller]
pub fn assert_echo_matrix(addr: SocketAddr, token: &str) {
    let failures = run_echo_matrix(addr, token);
    assert!(
        failures.is_empty(),
        "{} matrix failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check(addr: SocketAddr, case: &Case) -> Result<(), String> {
    let response =
        send(addr, &case.request).map_err(|error| format!("transport error: {error}"))?;
    let view = response.view();
    let body = String::from_utf8_lossy(&response.body);
    if view.status() != case.expected.status {
        return Err(format!(
            "status {} (body {body:?}), expected {}",
            view.status(),
            case.expected.status
        ));
    }
    match &case.expected.echo {
        None if view.is_quick_reply() => Err(format!("unexpected quick reply {body:?}")),
        None => Ok(()),
        Some(text) => {
            if !view.is_quick_reply() {
                return Err(format!("no quick reply (body {body:?}), expected {text:?}"));
            }
            if view.bot_name().as_deref() != Some("EchoBot") {
                return Err(format!("bot name {:?}, expected EchoBot", view.bot_name()));
            }
            if view.texts() != [text.as_str()] {
                return Err(format!("texts {:?}, expected [{text:?}]", view.texts()));
            }
            Ok(())
        }
    }
}
