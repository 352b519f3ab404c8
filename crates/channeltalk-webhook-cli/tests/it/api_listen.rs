//! `send --api-listen ADDR --wait SECS` as a process, against the `echo-later` bot served on
//! 127.0.0.1: the simulator plays both sides of Channel, delivering the event and serving the
//! Open API the bot posts its echo to. Also the timing rules: a slow answer is flagged, and no
//! answer within `--timeout` is a failed delivery.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Output;
use std::time::Duration;

use channeltalk_api::Client;
use channeltalk_jobs::{MemoryQueue, Worker};
use channeltalk_webhook::testing::SampleEvent;
use channeltalk_webhook::{Receiver, WebhookToken};
use channeltalk_webhook_cli::SLOW_ANSWER;

use crate::common;
use common::{assert_exit, read_request, run, serve_in_thread, stderr, stdout, temp_file};

const TOKEN: &str = "s3cr3t+/=&é";

/// A port of 127.0.0.1 that was free a moment ago, for the simulator to serve the Open API on.
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// `echo-later`, served on its own runtime in a thread, posting its echoes to `api` after
/// `delay`, with credentials the simulator's Open API accepts.
fn echo_later(api: SocketAddr, delay: Duration) -> SocketAddr {
    serve_in_thread(move |listener| {
        let receiver = Receiver::new(WebhookToken::new(TOKEN).unwrap());
        let worker = Worker::builder(MemoryQueue::default());
        let client = Client::builder("any-key", "any-secret")
            .base_url(format!("http://{api}"))
            .gate(worker.gate())
            .build()
            .unwrap();
        echo_later::serve(
            listener,
            receiver,
            worker,
            client,
            delay,
            std::future::pending(),
        )
    })
}

/// `send` to `bot` with the simulator's Open API at `api`, watching for `wait` seconds.
fn send_later(bot: SocketAddr, api: SocketAddr, wait: &str, extra: &[&str]) -> Output {
    let (url, api) = (format!("http://{bot}/webhook"), api.to_string());
    let mut args = vec![
        "send",
        "--url",
        &url,
        "--token",
        TOKEN,
        "--api-listen",
        &api,
    ];
    args.extend_from_slice(&["--wait", wait]);
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn the_echo_posted_later_is_shown_with_its_delay() {
    let api = free_addr();
    let bot = echo_later(api, Duration::from_millis(100));
    let output = send_later(bot, api, "3", &["--text", "<b>hi</b>"]);
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(
        out.starts_with(&format!(
            "Open API (local, any credentials) on http://{api}: start the bot with \
             CHANNEL_API_BASE_URL=http://{api}\nPOST http://{bot}/webhook?token=*** (token hidden)\n"
        )),
        "{out}"
    );
    assert!(out.contains("Status: 200 OK\nDelivered:"), "{out}");
    assert!(
        out.contains("No quick reply: Channel posts nothing"),
        "{out}"
    );
    let posted = out
        .split("Posted later through the Open API (")
        .nth(1)
        .unwrap_or_else(|| panic!("no posted message:\n{out}"));
    assert!(
        posted
            .contains(" s after the answer) as EchoBot, to user chat c-2001:\n  echo: <b>hi</b>\n"),
        "{out}"
    );
    assert!(
        out.ends_with("1 message posted through the Open API within 3 s of the answer.\n"),
        "{out}"
    );
    assert!(!out.contains("Slow answer"), "{out}");
    assert!(!stderr(&output).contains(TOKEN));
}

#[test]
fn a_team_chat_thread_message_is_echoed_into_its_thread() {
    let api = free_addr();
    let bot = echo_later(api, Duration::ZERO);
    let event = SampleEvent::manager_message("and staging?")
        .in_team_chat()
        .with("/entity/rootMessageId", serde_json::json!("m-1"));
    let file = temp_file("thread.json", event.body().as_bytes());
    let output = send_later(bot, api, "2", &["--file", file.to_str().unwrap()]);
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(
        out.contains("as EchoBot, to thread m-1 in team chat 1234:\n  echo: and staging?\n"),
        "{out}"
    );
}

#[test]
fn a_bot_message_gets_no_echo_and_the_summary_says_so() {
    let api = free_addr();
    let bot = echo_later(api, Duration::ZERO);
    let output = send_later(bot, api, "1", &["--person", "bot"]);
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(!out.contains("Posted later"), "{out}");
    assert!(
        out.ends_with("Nothing posted through the Open API within 1 s of the answer.\n"),
        "{out}"
    );
}

#[test]
fn a_busy_api_address_and_wait_alone_are_usage_errors() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let base = [
        "send",
        "--url",
        "http://127.0.0.1:9/webhook",
        "--token",
        "T",
    ];
    for (extra, expected) in [
        (
            ["--api-listen", addr.as_str()],
            format!("could not serve the Open API on {addr}"),
        ),
        (["--wait", "3"], "--api-listen".to_owned()),
    ] {
        let args: Vec<&str> = base.iter().copied().chain(extra).collect();
        let output = run(&args);
        assert_exit(&output, 2);
        assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
    }
}

/// A bot that answers `200 ok` only after `delay`.
fn slow_bot(delay: Duration) -> SocketAddr {
    raw_bot(delay, || {})
}

/// A bot that answers `200 ok` after `delay`, then runs `then`.
fn raw_bot(delay: Duration, then: impl FnOnce() + Send + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        read_request(&mut stream);
        std::thread::sleep(delay);
        // The simulator may have given up already.
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        drop(stream);
        then();
    });
    addr
}

#[test]
fn a_call_without_credentials_is_shown_as_refused() {
    let api = free_addr();
    let bot = raw_bot(Duration::ZERO, move || {
        let mut stream = TcpStream::connect(api).unwrap();
        stream
            .write_all(
                b"POST /open/v5/user-chats/c-2001/messages HTTP/1.1\r\nhost: api\r\n\
                  content-type: application/json\r\ncontent-length: 2\r\n\
                  connection: close\r\n\r\n{}",
            )
            .unwrap();
        let _ = stream.read_to_end(&mut Vec::new());
    });
    let output = send_later(bot, api, "2", &[]);
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(
        out.contains(
            "Open API call refused (401): POST /open/v5/user-chats/c-2001/messages came without \
             credentials; give the bot CHANNEL_ACCESS_KEY and CHANNEL_ACCESS_SECRET"
        ),
        "{out}"
    );
    assert!(out.contains("Nothing posted through the Open API"), "{out}");
}

#[test]
fn a_slow_answer_is_flagged_with_a_hint_to_answer_later() {
    let bot = slow_bot(SLOW_ANSWER + Duration::from_millis(200));
    let url = format!("http://{bot}/webhook");
    let output = run(&["send", "--url", &url, "--token", "T"]);
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(out.contains("Slow answer: the bot took "), "{out}");
    assert!(
        out.contains("post the answer later through the Open API"),
        "{out}"
    );
}

#[test]
fn no_answer_within_the_timeout_is_a_failed_delivery() {
    let bot = slow_bot(Duration::from_secs(5));
    let url = format!("http://{bot}/webhook");
    let output = run(&["send", "--url", &url, "--token", "T", "--timeout", "1"]);
    assert_exit(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("no answer from"), "{err}");
    assert!(err.contains("post the answer later"), "{err}");
}
