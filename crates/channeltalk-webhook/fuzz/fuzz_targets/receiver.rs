//! The step-by-step way (`Receiver::begin`, one chunk, `Receiver::accept`), and
//! `Receiver::handle` twice (the whole pipeline over `http` types with an echo handler: the body
//! in one piece, and a streaming body in chunks, with or without a `Content-Length`, possibly
//! ending in a read error) with a small body limit.
//!
//! The outcome is computed independently: 401 when the query's token is not exactly one
//! `token=<secret>`, else 413 when the declared or actual body is over the limit, else 400 when
//! the body cannot be read or (less one UTF-8 BOM) is not a UTF-8 JSON object, else 200
//! (handled, or acknowledged without the handler). Never a panic, never another status, the
//! three entry points agree, and no refusal or header contains the secret.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use channeltalk_webhook::bytes::Bytes;
use channeltalk_webhook::http::{Request, StatusCode};
use channeltalk_webhook::rich_text::RichText;
use channeltalk_webhook::{Event, Policy, QuickReply, Receiver, WebhookToken, sync_handler};
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

const SECRET: &str = "t0k";

/// The fuzzer's bytes, read as: one flag byte, two bytes of body limit (little-endian, modulo
/// 2048), then the query (lossy UTF-8) up to the first `\n`, then the body. Flag bits: 0, a
/// query is present; 1, the policy ignores bot messages; 2 and 3, for `serve`: `01` declares
/// the true `Content-Length`, `10` declares one over the limit, `11` declares the true length
/// and ends the body with a read error; 4–7, `serve`'s chunk size less one. Seeds are easy to
/// write by hand: `\x03\xff\x07token=t0k\n{"event":"push",…}`.
#[derive(Debug)]
struct Input {
    query: Option<String>,
    limit: usize,
    ignore_bot_messages: bool,
    declare: Declare,
    chunk: usize,
    body: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Declare {
    Nothing,
    TrueLength,
    OverTheLimit,
    TrueLengthThenError,
}

impl Input {
    fn read(data: &[u8]) -> Option<Input> {
        let (&[flags, low, high], rest) = data.split_first_chunk::<3>()?;
        let (query, body) = match rest.iter().position(|byte| *byte == b'\n') {
            Some(newline) => (&rest[..newline], &rest[newline + 1..]),
            None => (rest, &[][..]),
        };
        Some(Input {
            query: (flags & 1 == 1).then(|| String::from_utf8_lossy(query).into_owned()),
            limit: usize::from(u16::from_le_bytes([low, high]) % 2048),
            ignore_bot_messages: flags & 2 == 2,
            declare: match (flags >> 2) & 3 {
                0 => Declare::Nothing,
                1 => Declare::TrueLength,
                2 => Declare::OverTheLimit,
                _ => Declare::TrueLengthThenError,
            },
            chunk: usize::from(flags >> 4) + 1,
            body: body.to_vec(),
        })
    }
}

/// The statuses the request may get. Between "serde_json reads it as an object" (200) and
/// "not JSON or not starting with `{`" (400) lie objects with a lone-surrogate escape in a key,
/// which may get either.
fn expected_statuses(input: &Input, limit: usize) -> &'static [u16] {
    let tokens: Vec<String> =
        form_urlencoded::parse(input.query.as_deref().unwrap_or("").as_bytes())
            .filter(|(name, _)| name == "token")
            .map(|(_, value)| value.into_owned())
            .collect();
    if tokens.len() != 1 || tokens[0] != SECRET {
        return &[401];
    }
    if input.body.len() > limit {
        return &[413];
    }
    let body = input
        .body
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(&input.body);
    let Ok(text) = std::str::from_utf8(body) else {
        return &[400];
    };
    if serde_json::from_str::<serde_json::Value>(text).is_ok_and(|value| value.is_object()) {
        return &[200];
    }
    let starts_as_object = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{');
    if starts_as_object && serde_json::from_str::<&RawValue>(text).is_ok() {
        &[200, 400]
    } else {
        &[400]
    }
}

/// What `serve` must answer, given what `receive` answered for the same query and body.
fn expected_serve_status(input: &Input, receive_status: StatusCode) -> StatusCode {
    if receive_status == StatusCode::UNAUTHORIZED {
        return receive_status; // the token is checked first
    }
    match input.declare {
        Declare::OverTheLimit => StatusCode::PAYLOAD_TOO_LARGE,
        // The read error comes after the last chunk: a body over the limit is refused first.
        Declare::TrueLengthThenError if input.body.len() <= input.limit => StatusCode::BAD_REQUEST,
        _ => receive_status,
    }
}

/// A request body that yields `body` in chunks of `chunk` bytes, then optionally an error.
struct Chunks {
    body: Bytes,
    chunk: usize,
    then_error: bool,
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = &'static str;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, &'static str>>> {
        if self.body.is_empty() {
            if std::mem::take(&mut self.then_error) {
                return Poll::Ready(Some(Err("connection reset")));
            }
            return Poll::Ready(None);
        }
        let at = self.chunk.min(self.body.len());
        let chunk = self.body.split_to(at);
        Poll::Ready(Some(Ok(http_body::Frame::data(chunk))))
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

fn echo(event: Event) -> Option<QuickReply> {
    let message = event.message().filter(|message| !message.is_from_bot())?;
    let text = message.text()?;
    let reply = QuickReply::new().bot_name(channeltalk_webhook::BotName::from_static("EchoBot"));
    Some(reply.text(RichText::new().bold("echo: ").text(text)))
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::read(data) else {
        return;
    };
    let limit = input.limit;
    let receiver = Receiver::new(WebhookToken::new(SECRET).expect("a valid secret"))
        .body_limit(limit)
        .policy(Policy::default().ignore_bot_messages(input.ignore_bot_messages));
    let expected = expected_statuses(&input, limit);

    let body = Bytes::from(input.body.clone());
    let received = receiver
        .begin("POST", input.query.as_deref(), Some(body.len() as u64))
        .map_err(channeltalk_webhook::adapter::Unhandled::from)
        .and_then(|mut collector| {
            collector.push(body.clone())?;
            block_on(receiver.accept(collector.finish()))
        });
    let status = match received {
        Ok(_) => StatusCode::OK,
        Err(rejection) => {
            let _ = rejection.reason();
            let response = rejection.into_response();
            assert!(!String::from_utf8_lossy(response.body()).contains(SECRET));
            response.status()
        }
    };
    assert!(
        matches!(status.as_u16(), 200 | 400 | 401 | 413),
        "status {status} for {input:?}"
    );
    assert!(
        expected.contains(&status.as_u16()),
        "{status} not in {expected:?} for {input:?}"
    );

    // The same through the whole pipeline, when the query fits in a URI.
    let uri = match &input.query {
        Some(query) => format!("/webhook?{query}"),
        None => "/webhook".to_owned(),
    };
    let whole = Chunks {
        chunk: body.len().max(1),
        body,
        then_error: false,
    };
    let Ok(request) = Request::post(uri).body(whole) else {
        return;
    };
    // `http` may normalise the query; the token check then runs on what it kept.
    let seen_query = request.uri().query().map(str::to_owned);
    let handler = sync_handler(echo);
    let response = block_on(receiver.handle(request, &handler));
    assert!(
        matches!(response.status().as_u16(), 200 | 400 | 401 | 413),
        "{response:?}"
    );
    if seen_query == input.query {
        assert_eq!(
            response.status(),
            status,
            "the step-by-step way and handle disagree for {input:?}"
        );
    }
    if response.status() != StatusCode::OK {
        // (A quick reply may echo the sender's text, which can hold anything.)
        assert!(!String::from_utf8_lossy(response.body()).contains(SECRET));
    }
    for value in response.headers().values() {
        assert!(!String::from_utf8_lossy(value.as_bytes()).contains(SECRET));
    }

    // The same again, streamed in chunks through `serve`.
    let uri = match &input.query {
        Some(query) => format!("/webhook?{query}"),
        None => "/webhook".to_owned(),
    };
    let mut request = Request::post(uri);
    let declared = match input.declare {
        Declare::Nothing => None,
        Declare::TrueLength | Declare::TrueLengthThenError => Some(input.body.len()),
        Declare::OverTheLimit => Some(limit + 1),
    };
    if let Some(length) = declared {
        request = request.header("content-length", length);
    }
    let body = Chunks {
        body: Bytes::from(input.body.clone()),
        chunk: input.chunk,
        then_error: input.declare == Declare::TrueLengthThenError,
    };
    let Ok(request) = request.body(body) else {
        return;
    };
    let same_query = request.uri().query() == input.query.as_deref();
    let response = block_on(receiver.handle(request, &handler));
    assert!(
        matches!(response.status().as_u16(), 200 | 400 | 401 | 413),
        "{response:?}"
    );
    if same_query {
        let expected = expected_serve_status(&input, status);
        assert_eq!(response.status(), expected, "serve, {input:?}");
    }
});
