//! `send --api-listen ADDR --wait SECS` as a process, against the `echo-later` bot served on
//! 127.0.0.1: the simulator plays both sides of Channel, delivering the event and serving the
//! Open API the bot posts its echo to. Also the timing rules: a slow answer is flagged, and no
//! answer within `--timeout` is a failed delivery.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Output};
use std::time::Duration;

use channeltalk_api::Client;
use channeltalk_webhook::{Receiver, WebhookToken};
use channeltalk_webhook_cli::SLOW_ANSWER;

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
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let receiver = Receiver::new(WebhookToken::new(TOKEN).unwrap());
            let client = Client::builder("any-key", "any-secret")
                .base_url(format!("http://{api}"))
                .build()
                .unwrap();
            echo_later::serve(listener, receiver, client, delay, std::future::pending()).await
        })
    });
    addr
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_channeltalk-webhook"))
        .args(args)
        .env_remove("CHANNEL_WEBHOOK_TOKEN")
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[test]
fn the_echo_posted_later_is_shown_with_its_delay() {
    let api = free_addr();
    let bot = echo_later(api, Duration::from_millis(100));
    let url = format!("http://{bot}/webhook");
    let api_arg = api.to_string();
    let output = run(&[
        "send",
        "--url",
        &url,
        "--token",
        TOKEN,
        "--text",
        "<b>hi</b>",
        "--api-listen",
        &api_arg,
        "--wait",
        "3",
    ]);
    assert_exit(&output, 0);
    let out = text(&output.stdout);
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
    assert!(!text(&output.stderr).contains(TOKEN));
}

#[test]
fn a_team_chat_thread_message_is_echoed_into_its_thread() {
    let api = free_addr();
    let bot = echo_later(api, Duration::ZERO);
    let dir = std::env::temp_dir().join(format!("api-listen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("thread.json");
    let event = channeltalk_webhook::testing::SampleEvent::manager_message("and staging?")
        .in_team_chat()
        .with("/entity/rootMessageId", serde_json::json!("m-1"));
    std::fs::write(&file, event.body()).unwrap();
    let (url, api_arg) = (format!("http://{bot}/webhook"), api.to_string());
    let output = run(&[
        "send",
        "--url",
        &url,
        "--token",
        TOKEN,
        "--file",
        file.to_str().unwrap(),
        "--api-listen",
        &api_arg,
        "--wait",
        "2",
    ]);
    assert_exit(&output, 0);
    let out = text(&output.stdout);
    assert!(
        out.contains("as EchoBot, to thread m-1 in team chat 1234:\n  echo: and staging?\n"),
        "{out}"
    );
}

#[test]
fn a_bot_message_gets_no_echo_and_the_summary_says_so() {
    let api = free_addr();
    let bot = echo_later(api, Duration::ZERO);
    let (url, api_arg) = (format!("http://{bot}/webhook"), api.to_string());
    let output = run(&[
        "send",
        "--url",
        &url,
        "--token",
        TOKEN,
        "--person",
        "bot",
        "--api-listen",
        &api_arg,
        "--wait",
        "1",
    ]);
    assert_exit(&output, 0);
    let out = text(&output.stdout);
    assert!(!out.contains("Posted later"), "{out}");
    assert!(
        out.ends_with("Nothing posted through the Open API within 1 s of the answer.\n"),
        "{out}"
    );
}

#[test]
fn a_busy_api_address_is_a_usage_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = run(&[
        "send",
        "--url",
        "http://127.0.0.1:9/webhook",
        "--token",
        "T",
        "--api-listen",
        &addr,
    ]);
    assert_exit(&output, 2);
    assert!(
        text(&output.stderr).contains(&format!("could not serve the Open API on {addr}")),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn wait_needs_api_listen() {
    let output = run(&[
        "send",
        "--url",
        "http://127.0.0.1:9/webhook",
        "--token",
        "T",
        "--wait",
        "3",
    ]);
    assert_exit(&output, 2);
    assert!(
        text(&output.stderr).contains("--api-listen"),
        "{}",
        text(&output.stderr)
    );
}

/// A bot that answers `200 ok` only after `delay`.
fn slow_bot(delay: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut buffer = [0u8; 8192];
        let mut request = Vec::new();
        // Read the head and the declared body, then wait before answering.
        while let Ok(read @ 1..) = stream.read(&mut buffer) {
            request.extend_from_slice(&buffer[..read]);
            let text = String::from_utf8_lossy(&request);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    break;
                }
            }
        }
        std::thread::sleep(delay);
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    });
    addr
}

#[test]
fn a_slow_answer_is_flagged_with_a_hint_to_answer_later() {
    let bot = slow_bot(SLOW_ANSWER + Duration::from_millis(200));
    let url = format!("http://{bot}/webhook");
    let output = run(&["send", "--url", &url, "--token", "T"]);
    assert_exit(&output, 0);
    let out = text(&output.stdout);
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
    let err = text(&output.stderr);
    assert!(err.contains("no answer from"), "{err}");
    assert!(err.contains("post the answer later"), "{err}");
}
