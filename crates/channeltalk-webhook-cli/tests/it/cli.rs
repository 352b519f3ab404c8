//! The built binary against real servers on 127.0.0.1: the echo bot on the axum adapter, and
//! one-shot raw servers that record the request and answer with canned bytes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::Duration;

use channeltalk_webhook::{Receiver, WebhookToken};

use crate::common;
use common::{assert_exit, find, read_request, run, serve_in_thread, stderr, stdout, temp_file};

/// Not a plain word, so that the test proves percent-encoding.
const TOKEN: &str = "s3cr3t+/=&é";

/// The echo example, started once for the whole file, on its own runtime in a thread.
fn echo_server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        serve_in_thread(|listener| {
            let receiver = Receiver::new(WebhookToken::new(TOKEN).unwrap());
            let echo = channeltalk_webhook_conformance::echo_async;
            let app = channeltalk_webhook_axum::router("/webhook", receiver, echo);
            axum::serve(listener, app).into_future()
        })
    })
}

fn echo_url() -> String {
    format!("http://{}/webhook", echo_server())
}

fn send(extra: &[&str]) -> Output {
    let url = echo_url();
    let mut args = vec!["send", "--url", &url, "--token", TOKEN];
    args.extend_from_slice(extra);
    run(&args)
}

fn assert_no_token(output: &Output) {
    for stream in [stdout(output), stderr(output)] {
        assert!(!stream.contains(TOKEN), "{stream}");
        assert!(!stream.contains("s3cr3t"), "{stream}");
    }
}

/// A server for one connection: records the request (head and body), then writes `response`
/// and closes. `None` keeps the connection open without answering.
fn one_shot_server(response: Option<Vec<u8>>) -> (SocketAddr, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let request = read_request(&mut stream);
        match response {
            Some(response) => stream.write_all(&response).unwrap(),
            // Hold the connection until the client gives up.
            None => while stream.read(&mut [0; 64]).is_ok_and(|n| n > 0) {},
        }
        request
    });
    (addr, handle)
}

#[test]
fn send_hi_gets_the_echo_from_echobot() {
    let output = send(&["--text", "hi"]);
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(out.contains("POST http://"), "{out}");
    assert!(out.contains("/webhook?token=*** (token hidden)"), "{out}");
    assert!(out.contains("Status: 200 OK"), "{out}");
    assert!(out.contains("Delivered:"), "{out}");
    assert!(
        out.contains("Quick reply posted as EchoBot:\n  echo: hi\n"),
        "{out}"
    );
    assert!(
        !out.contains('\u{1b}'),
        "no ANSI when stdout is not a terminal: {out:?}"
    );
    assert_no_token(&output);
}

#[test]
fn korean_and_markup_characters_survive_the_round_trip() {
    let output = send(&["--text", "안녕하세요 <b>&"]);
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(out.contains("  echo: 안녕하세요 <b>&\n"), "{out}");
}

#[test]
fn a_manager_in_a_team_chat_gets_the_echo() {
    let output = send(&[
        "--person", "manager", "--chat", "group", "--text", "deploy?",
    ]);
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(
        out.contains("a message by a manager in a team chat"),
        "{out}"
    );
    assert!(
        out.contains("EchoBot") && out.contains("echo: deploy?"),
        "{out}"
    );
}

#[test]
fn a_wrong_token_is_a_failed_delivery() {
    let url = echo_url();
    let output = run(&[
        "send",
        "--url",
        &url,
        "--token",
        "wrong-token",
        "--text",
        "hi",
    ]);
    assert_exit(&output, 1);
    let out = stdout(&output);
    assert!(out.contains("Status: 401 Unauthorized"), "{out}");
    assert!(out.contains("Failed delivery:"), "{out}");
    assert!(
        out.contains("counts any 4xx or 5xx answer as a failed delivery"),
        "{out}"
    );
    assert!(out.contains("100 failures in a row"), "{out}");
    assert!(!out.contains("wrong-token"), "{out}");
}

#[test]
fn a_wrong_path_is_a_failed_delivery() {
    let url = format!("http://{}/nope", echo_server());
    let output = run(&["send", "--url", &url, "--token", TOKEN]);
    assert_exit(&output, 1);
    assert!(stdout(&output).contains("Status: 404 Not Found"));
    assert!(stdout(&output).contains("Is --url the path"));
}

#[test]
fn a_bot_message_is_delivered_and_nothing_is_posted() {
    let output = send(&["--person", "bot"]);
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(out.contains("Status: 200 OK"), "{out}");
    assert!(out.contains("Channel posts nothing"), "{out}");
    assert!(!out.contains("EchoBot"), "{out}");
}

#[test]
fn user_chat_and_user_events_are_acknowledged() {
    for event_type in ["userChat", "user"] {
        let output = send(&["--type", event_type]);
        assert_exit(&output, 0);
        let out = stdout(&output);
        assert!(out.contains("Status: 200 OK"), "{out}");
        assert!(out.contains("Channel posts nothing"), "{out}");
    }
}

#[test]
fn the_token_can_come_from_the_environment() {
    let url = echo_url();
    let output = Command::new(env!("CARGO_BIN_EXE_channeltalk-webhook"))
        .args(["send", "--url", &url])
        .env("CHANNEL_WEBHOOK_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("echo: hi"));
    assert_no_token(&output);
}

#[test]
fn a_sample_can_be_edited_and_replayed_with_file() {
    let sample = run(&["sample", "--text", "from a file"]);
    assert_exit(&sample, 0);
    let edited = stdout(&sample).replace("from a file", "edited");
    let path = temp_file("replay.json", edited.as_bytes());
    let output = send(&["--file", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert!(out.contains("(type \"message\", event \"push\")"), "{out}");
    assert!(
        out.contains("EchoBot") && out.contains("echo: edited"),
        "{out}"
    );
}

#[test]
fn a_bad_file_is_a_usage_error() {
    let path = temp_file("invalid.json", b"{\"type\": \"message\",");
    let output = send(&["--file", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert!(err.contains("is not valid JSON"), "{err}");
    assert!(stdout(&output).is_empty(), "nothing was sent");

    let path = temp_file("array.json", b"[]");
    let output = send(&["--file", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("must hold a JSON object"));

    let output = send(&["--file", "/no/such/event.json"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("could not read /no/such/event.json"));
}

#[test]
fn file_and_event_flags_conflict() {
    let output = send(&["--file", "e.json", "--text", "hi"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("cannot be used with"));
}

#[test]
fn an_unreachable_url_is_a_clear_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/webhook");
    let output = run(&["send", "--url", &url, "--token", TOKEN]);
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert!(
        err.contains(&format!(
            "could not connect to {url}: connection refused; is your bot running?"
        )),
        "{err}"
    );
    assert_no_token(&output);
}

#[test]
fn https_and_malformed_urls_are_usage_errors() {
    let output = run(&[
        "send",
        "--url",
        "https://example.com/webhook",
        "--token",
        TOKEN,
    ]);
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert!(err.contains("TLS is not compiled in"), "{err}");
    assert!(err.contains("use http://"), "{err}");
    assert!(stdout(&output).is_empty());

    let output = run(&["send", "--url", "localhost:8080", "--token", TOKEN]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("invalid URL"));

    let output = run(&["send", "--url", "http://h/w?token=x", "--token", TOKEN]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("already has a `token`"));
}

#[test]
fn the_request_is_shaped_like_channels() {
    let reply = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-quick-reply: true\r\n\
                 x-bot-name: 상담봇\r\nconnection: close\r\n";
    let body = r#"{"blocks":[{"type":"text","value":"<b>안녕하세요</b>, <link type=\"manager\" value=\"98765\">@Kim</link>! See <link type=\"url\" value=\"https://docs.example\">docs</link> :wave:"},{"type":"bullets","blocks":[{"type":"text","value":"one"},{"type":"text","value":"<i>two</i>"}]},{"type":"code","language":"sh","value":"cargo run\ncargo test"}]}"#;
    let response = format!("{reply}content-length: {}\r\n\r\n{body}", body.len());
    let (addr, server) = one_shot_server(Some(response.into_bytes()));
    let url = format!("http://{addr}/hook/path?bot=a%20b&x=1");
    let output = run(&["send", "--url", &url, "--token", TOKEN, "--text", "hi"]);
    let request = server.join().unwrap();
    assert_exit(&output, 0);

    let end = find(&request, b"\r\n\r\n").unwrap();
    let head = String::from_utf8(request[..end].to_vec()).unwrap();
    let request_line = head.lines().next().unwrap();
    assert_eq!(
        request_line,
        "POST /hook/path?bot=a%20b&x=1&token=s3cr3t%2B%2F%3D%26%C3%A9 HTTP/1.1"
    );
    assert!(
        head.lines()
            .any(|line| line.eq_ignore_ascii_case("content-type: application/json")),
        "{head}"
    );
    // The token is in the query and nowhere else.
    assert_eq!(head.matches("s3cr3t").count(), 1, "{head}");
    let body = &request[end + 4..];
    assert!(!String::from_utf8_lossy(body).contains("s3cr3t"));
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(json["type"], "message");
    assert_eq!(json["entity"]["plainText"], "hi");

    let out = stdout(&output);
    assert!(
        out.ends_with(
            "Quick reply posted as 상담봇:\n  안녕하세요, @Kim (manager 98765)! See docs <https://docs.example> :wave:\n  \
             • one\n  • two\n  code (sh):\n      cargo run\n      cargo test\n"
        ),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "{out:?}");
}

#[test]
fn a_file_is_sent_byte_for_byte() {
    let contents = b"{ \"event\": \"push\", \"type\": \"user\",\n  \"entity\": {\"id\": \"u-1\", \"n\": 1.50} }\n";
    let path = temp_file("bytes.json", contents);
    let (addr, server) = one_shot_server(Some(
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok".to_vec(),
    ));
    let url = format!("http://{addr}/webhook");
    let output = run(&[
        "send",
        "--url",
        &url,
        "--token",
        "T",
        "--file",
        path.to_str().unwrap(),
    ]);
    std::fs::remove_file(&path).unwrap();
    let request = server.join().unwrap();
    assert_exit(&output, 0);
    let end = find(&request, b"\r\n\r\n").unwrap();
    assert_eq!(&request[end + 4..], contents);
    assert!(stdout(&output).contains("Channel posts nothing"));
}

#[test]
fn a_server_error_body_is_shown() {
    let (addr, server) = one_shot_server(Some(
        b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 13\r\nconnection: close\r\n\r\nhandler panic"
            .to_vec(),
    ));
    let url = format!("http://{addr}/webhook");
    let output = run(&["send", "--url", &url, "--token", "T"]);
    server.join().unwrap();
    assert_exit(&output, 1);
    let out = stdout(&output);
    assert!(
        out.contains("Status: 500 Internal Server Error\nBody: handler panic\n"),
        "{out}"
    );
    assert!(
        out.contains("Answer 200 to every genuine delivery"),
        "{out}"
    );
}

#[test]
fn an_answer_that_is_not_http_is_an_error() {
    let (addr, server) = one_shot_server(Some(b"garbage\r\n\r\n".to_vec()));
    let url = format!("http://{addr}/webhook");
    let output = run(&["send", "--url", &url, "--token", "T"]);
    server.join().unwrap();
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert!(err.contains("the exchange with"), "{err}");
    assert!(
        err.contains("would count a delivery without a valid answer as failed"),
        "{err}"
    );
}

#[test]
fn a_bot_that_never_answers_times_out() {
    let (addr, server) = one_shot_server(None);
    let url = format!("http://{addr}/webhook");
    let output = run(&["send", "--url", &url, "--token", "T", "--timeout", "1"]);
    server.join().unwrap();
    // No answer in time is a failed delivery as Channel counts it.
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("no answer from"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn sample_prints_valid_json_for_every_type() {
    for (event_type, person, chat) in [
        ("message", "user", "userChat"),
        ("message", "manager", "group"),
        ("message", "bot", "userChat"),
        ("userChat", "user", "userChat"),
        ("user", "user", "userChat"),
    ] {
        let output = run(&[
            "sample", "--type", event_type, "--person", person, "--chat", chat, "--text", "안녕",
        ]);
        assert_exit(&output, 0);
        let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert_eq!(json["type"], event_type);
        if event_type == "message" {
            assert_eq!(json["entity"]["personType"], person);
            assert_eq!(json["entity"]["chatType"], chat);
            assert_eq!(json["entity"]["plainText"], "안녕");
        }
    }
    let output = run(&["sample", "--type", "user"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["event"], "upsert");
    assert!(json["entity"]["id"].is_string());
}

#[test]
fn every_command_has_help_and_there_is_a_version() {
    for (args, expected) in [
        (&["--help"][..], "sample"),
        (&["help"][..], "send"),
        (&["send", "--help"][..], "--token <TOKEN>"),
        (&["help", "send"][..], "100 failures in a row"),
        (&["sample", "--help"][..], "--type <TYPE>"),
        (&["sample", "-h"][..], "--person <PERSON>"),
    ] {
        let output = run(args);
        assert_exit(&output, 0);
        assert!(
            stdout(&output).contains(expected),
            "{args:?}: {}",
            stdout(&output)
        );
    }
    let output = run(&["--version"]);
    assert_exit(&output, 0);
    assert_eq!(
        stdout(&output).trim(),
        concat!("channeltalk-webhook ", env!("CARGO_PKG_VERSION"))
    );
    let output = run(&[]);
    assert_exit(&output, 2);
    let output = run(&["send", "--url", "http://127.0.0.1:9/webhook"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("--token <TOKEN>"));
}

#[test]
fn every_envelope_form_gets_the_echo_and_bots_never_do() {
    let forms: [&[&str]; 4] = [
        &["--envelope-type", "Message"],
        &[
            "--envelope-type",
            "message.created.teamChat",
            "--chat",
            "group",
        ],
        &["--event", "message.created.userChat", "--no-type"],
        &["--event", "message.created.teamChat"],
    ];
    for form in forms {
        let output = send(&[form, &["--text", "hi"][..]].concat());
        assert_exit(&output, 0);
        let out = stdout(&output);
        assert!(out.contains("(sent with "), "{out}");
        assert!(
            out.contains("Quick reply posted as EchoBot:\n  echo: hi\n"),
            "{form:?}: {out}"
        );

        let output = send(&[form, &["--person", "bot"][..]].concat());
        assert_exit(&output, 0);
        let out = stdout(&output);
        assert!(
            out.contains("Channel posts nothing") && !out.contains("EchoBot"),
            "{form:?}: {out}"
        );
    }
}
